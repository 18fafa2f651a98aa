// ks_grpc_js.js: a grpc-js (Node.js) server or client for make_captures.sh (gen/js_scenarios.sh),
// speaking kspy.py's raw-bytes "/ks.Echo/Ping" with no generated code. Every grpc-js channel or
// server option is a key=value argument (numbers parsed), so each keepalive knob is on the line.
//   node ks_grpc_js.js server PORT LIFE_MS [grpc.key=value ...]
//   node ks_grpc_js.js client PORT RPCS IDLE_MS [grpc.key=value ...]   (RPCS calls, then IDLE_MS idle)
// Needs @grpc/grpc-js on NODE_PATH (js_scenarios.sh installs it from npm into its work folder).
const grpc = require('@grpc/grpc-js');

const [mode, port, ...rest] = process.argv.slice(2);
const raw = (b) => b;
const service = {
  ping: { path: '/ks.Echo/Ping', requestStream: false, responseStream: false,
    requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
};
const options = (args) => Object.fromEntries(args.map((kv) => {
  const [k, v] = kv.split(/=(.*)/s);
  return [k, /^-?\d+$/.test(v) ? Number(v) : v];
}));

if (mode === 'server') {
  const life = Number(rest[0]);
  const server = new grpc.Server(options(rest.slice(1)));
  server.addService(service, { ping: (call, done) => done(null, Buffer.concat([Buffer.from('pong:'), call.request])) });
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) { console.error(err.message); process.exit(1); }
  });
  setTimeout(() => { server.forceShutdown(); process.exit(0); }, life);
} else if (mode === 'client') {
  const [rpcs, idle] = [Number(rest[0]), Number(rest[1])];
  const Client = grpc.makeGenericClientConstructor(service, 'Echo');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options(rest.slice(2)));
  let n = 0;
  const next = () => {
    if (n++ === rpcs) {
      setTimeout(() => { client.close(); process.exit(0); }, idle);
      return;
    }
    client.ping(Buffer.from('hi'), { deadline: Date.now() + 5000 }, (err, res) => {
      console.log(err ? `call: ${err.code} ${err.details}` : `call: ${res}`);
      setTimeout(next, 100);
    });
  };
  next();
} else {
  console.error('usage: ks_grpc_js.js server PORT LIFE_MS [k=v ...] | client PORT RPCS IDLE_MS [k=v ...]');
  process.exit(2);
}

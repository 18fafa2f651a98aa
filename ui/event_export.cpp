// CSV quoting follows RFC 4180: fields with a comma, quote or newline are quoted, quotes doubled.
#include "event_export.h"

#include "core/event_json.h"
#include "core/json_writer.h"
#include "event_format.h"
#include "event_store.h"

#include <QSaveFile>

namespace ks::ui {

namespace {

QString csvField(const QString& s)
{
    if (!s.contains(u',') && !s.contains(u'"') && !s.contains(u'\n'))
        return s;
    QString q = s;
    q.replace(u"\""_qs, u"\"\""_qs);
    return u'"' % q % u'"';
}

QString write(const QString& path, const QByteArray& data)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return path % u": " % file.errorString();
    file.write(data);
    if (!file.commit())
        return path % u": " % file.errorString();
    return {};
}

} // namespace

QString exportEventsCsv(const EventStore& store, const QString& path)
{
    QByteArray out("index,t,ts,conn,dir,type,details\n");
    for (std::size_t i = 0; i < store.size(); ++i) {
        const core::Event e = store.event(i);
        const QString line = QString::number(i) % u',' % secondsText(e.relNs, store.decimals()) % u','
            % secondsText(e.tsNs, store.decimals()) % u',' % QString::number(e.conn) % u',' % directionText(e.dir)
            % u',' % eventTypeKey(e.type) % u',' % csvField(eventDetails(e)) % u'\n';
        out += line.toUtf8();
    }
    return write(path, out);
}

QString exportEventsJson(const EventStore& store, const QString& path)
{
    core::OutputBuffer buf;
    buf.append("{\"source\": ");
    buf.appendJsonString(store.sourceName().toStdString());
    if (!store.partial().isEmpty()) { // a cancelled read: the events up to the cancel
        buf.append(", \"partial\": ");
        buf.appendJsonString(store.partial().toStdString());
    }
    buf.append(", \"events\": [\n");
    core::EventJsonWriter writer(store.decimals());
    for (std::size_t i = 0; i < store.size(); ++i) {
        if (i)
            buf.append(",\n");
        writer.append(buf, store.event(i));
    }
    buf.append("\n]}\n");
    const auto v = buf.view();
    return write(path, QByteArray(v.data(), static_cast<qsizetype>(v.size())));
}

} // namespace ks::ui

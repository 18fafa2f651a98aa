// What the window tells a run's panel (the lab's, the live capture's): running or not, and a
// status line. One handler in the window serves both.
#pragma once

class QString;

namespace ks::ui {

class RunControls {
public:
    virtual ~RunControls() = default;
    virtual void setRunning(bool running) = 0;
    virtual void setStatus(const QString& text) = 0;
};

} // namespace ks::ui

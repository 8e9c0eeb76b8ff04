// `events` for the browser bundle (scripts/build-browser.js): the part of Node's EventEmitter the
// SDK uses (on/once/off/emit/listenerCount), so SwitchboardSession runs unchanged in a browser.
class EventEmitter {
  constructor() {
    this._events = new Map();
  }
  on(name, listener) {
    const list = this._events.get(name);
    if (list) list.push(listener);
    else this._events.set(name, [listener]);
    return this;
  }
  addListener(name, listener) {
    return this.on(name, listener);
  }
  once(name, listener) {
    const wrapped = (...args) => {
      this.off(name, wrapped);
      listener.apply(this, args);
    };
    wrapped.listener = listener;
    return this.on(name, wrapped);
  }
  off(name, listener) {
    const list = this._events.get(name);
    if (!list) return this;
    const i = list.findIndex((l) => l === listener || l.listener === listener);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this._events.delete(name);
    return this;
  }
  removeListener(name, listener) {
    return this.off(name, listener);
  }
  removeAllListeners(name) {
    if (name === undefined) this._events.clear();
    else this._events.delete(name);
    return this;
  }
  emit(name, ...args) {
    const list = this._events.get(name);
    if (!list || list.length === 0) {
      if (name === 'error') throw args[0] instanceof Error ? args[0] : new Error(String(args[0]));
      return false;
    }
    for (const l of [...list]) l.apply(this, args);
    return true;
  }
  listenerCount(name) {
    return this._events.get(name)?.length ?? 0;
  }
  setMaxListeners() {
    return this;
  }
}
module.exports = { EventEmitter, default: EventEmitter };

// `crypto` for the browser bundle: randomUUID from WebCrypto; what needs Node's crypto (frame
// signing, payload encryption) throws with a clear message instead. Other names resolve through a
// proxy prototype (see decorators.cjs).
const names = new Proxy({}, {
  get: (_target, name) => () => {
    throw new Error(`crypto.${String(name)} is not available in the browser SDK (frame signing and payload encryption need Node)`);
  },
});
module.exports = Object.assign(Object.create(names), { randomUUID: () => globalThis.crypto.randomUUID() });

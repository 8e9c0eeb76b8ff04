// Node modules the browser bundle never reaches (TCP, files on disk, direct transfers): any use
// throws, with the reason. Names resolve through a proxy prototype (see decorators.cjs).
const names = new Proxy({}, {
  get: (_target, name) =>
    function unavailable() {
      throw new Error(`${String(name)} is not available in the browser SDK: connect with a ws:// or wss:// url; use uploadBlob/downloadBytes for files`);
    },
});
module.exports = Object.create(names);

// class-validator / class-transformer / class-validator-jsonschema / reflect-metadata for the
// browser bundle: the protocol package's payload classes carry validation decorators for the
// server's pipe and the schema generator; a browser client never validates with them, so every
// decorator factory is a no-op here (it keeps 900 KiB of validators out of the bundle).
// The bundler copies a CommonJS module's own keys into a namespace object whose prototype is the
// module's prototype: the names live on a proxy prototype so any imported name resolves.
const noop = () => undefined;
const names = new Proxy({}, { get: () => () => noop });
module.exports = Object.create(names);

/// A bidirectional stream transport (TCP, Unix sockets): asyncio's `Transport`.
public protocol Transport: ReadTransport, WriteTransport {}

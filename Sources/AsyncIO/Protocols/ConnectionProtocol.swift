/// The protocols a stream transport (TCP, Unix socket, pipe) can drive: `StreamingProtocol`
/// (asyncio's `Protocol`) and `BufferedProtocol`.
///
/// asyncio has no name for this pair; it dispatches on the protocol's class when a
/// connection is made. Here `createServer`, `createConnection` and their Unix and
/// accepted-socket forms take factories of this type, so a `DatagramProtocol` or a factory
/// typed `any BaseProtocol` does not compile. Conform to `StreamingProtocol` or
/// `BufferedProtocol`, not to this protocol directly: a protocol that is neither is refused
/// when its connection is made (a server closes that one connection and reports it to the
/// exception handler; `createConnection` throws `InvalidArgumentError`). A class that is
/// both is driven as a `BufferedProtocol`, as asyncio checks that first.
public protocol ConnectionProtocol: BaseProtocol {}

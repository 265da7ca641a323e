/// The protocol a transport delivers to, in the typed form the transport calls: each
/// transport kind holds one slot, which `setProtocol` replaces (checking the protocol's
/// kind) and `connectionLost` empties.
protocol ProtocolSlot {
    /// The slot for `protocol`, or nil if this transport kind cannot drive it.
    init?(_ protocol: any BaseProtocol)
    /// What a transport holds after `connectionLost`, so it no longer keeps the user's
    /// protocol (asyncio sets `_protocol = None`).
    static var disconnected: Self { get }
    /// The protocol kinds this slot takes, for the message when another is given.
    static var accepted: String { get }
    /// The protocol, for the calls every protocol answers (`connectionLost`,
    /// `pauseWriting`, `resumeWriting`).
    var protocolObject: any BaseProtocol { get }
}

/// Where a stream transport's received bytes go, chosen by the protocol's family (asyncio
/// checks `BufferedProtocol` first, so a class that is both reads with `getBuffer`). The
/// stream transports and the TLS layer both deliver through it.
enum StreamReceiver: ProtocolSlot {
    case streaming(any StreamingProtocol)
    case buffered(any BufferedProtocol)

    init?(_ protocol: any BaseProtocol) {
        if let buffered = `protocol` as? any BufferedProtocol {
            self = .buffered(buffered)
        } else if let streaming = `protocol` as? any StreamingProtocol {
            self = .streaming(streaming)
        } else {
            return nil
        }
    }

    static var disconnected: StreamReceiver { .streaming(DisconnectedProtocol()) }
    static var accepted: String { "a StreamingProtocol or a BufferedProtocol" }

    var protocolObject: any BaseProtocol {
        switch self {
        case .streaming(let p): p
        case .buffered(let p): p
        }
    }

    /// `connectionMade(transport)`, which each family declares on its own.
    func connectionMade(_ transport: any Transport) {
        switch self {
        case .streaming(let p): p.connectionMade(transport)
        case .buffered(let p): p.connectionMade(transport)
        }
    }

    /// `eofReceived()`: true keeps the transport half-open.
    func eofReceived() -> Bool {
        switch self {
        case .streaming(let p): p.eofReceived()
        case .buffered(let p): p.eofReceived()
        }
    }
}

/// A slot for a family with one Swift protocol (datagram, subprocess): the slot holds that
/// protocol; the checks and the placeholder are written here once.
protocol SingleProtocolSlot: ProtocolSlot {
    associatedtype Member
    var member: Member { get }
    init(member: Member)
    /// The placeholder held after `connectionLost`.
    static var disconnectedMember: Member { get }
}

extension SingleProtocolSlot {
    init?(_ protocol: any BaseProtocol) {
        guard let member = `protocol` as? Member else { return nil }
        self.init(member: member)
    }

    static var disconnected: Self { Self(member: disconnectedMember) }
}

/// A datagram transport's protocol.
struct DatagramSlot: SingleProtocolSlot {
    let member: any DatagramProtocol
    static var disconnectedMember: any DatagramProtocol { DisconnectedDatagramProtocol() }
    static var accepted: String { "a DatagramProtocol" }
    var protocolObject: any BaseProtocol { member }
}

/// A subprocess transport's protocol.
struct SubprocessSlot: SingleProtocolSlot {
    let member: any SubprocessProtocol
    static var disconnectedMember: any SubprocessProtocol { DisconnectedSubprocessProtocol() }
    static var accepted: String { "a SubprocessProtocol" }
    var protocolObject: any BaseProtocol { member }
}

/// The stream protocol a transport holds after `connectionLost`.
final class DisconnectedProtocol: StreamingProtocol {}
/// The datagram protocol a transport holds after `connectionLost`.
final class DisconnectedDatagramProtocol: DatagramProtocol {}
/// The subprocess protocol a transport holds after `connectionLost`.
final class DisconnectedSubprocessProtocol: SubprocessProtocol {}

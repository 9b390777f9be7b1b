import GlossSync
import NIOCore

/// The NIO end of a session: hands received bytes to the driver, and tells it when the
/// connection goes. It decides nothing (timeouts and keepalives are the session's, from its clock).
final class SyncChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let driver: SessionDriver

    init(driver: SessionDriver) { self.driver = driver }

    func channelActive(context: ChannelHandlerContext) {
        driver.start()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if let bytes = buffer.readBytes(length: buffer.readableBytes) { driver.received(bytes) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        driver.input(.peerClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

/// How long a session may stay silent, and how often live mode pings.
public struct SyncTimeouts: Sendable {
    public var idle: TimeAmount
    public var keepalive: TimeAmount
    public init(idle: TimeAmount = .seconds(30), keepalive: TimeAmount = .seconds(10)) { self.idle = idle; self.keepalive = keepalive }
    /// The session's timers: these, and on a server the handshake deadline (SYNC.md §11.2).
    func timers(handshake: Bool) -> SessionTimers {
        let idle = Double(self.idle.nanoseconds) / 1e9
        // A PING at least twice per idle period: a side given a short --idle-timeout is likely
        // talking to a peer with one too, and a quiet live session must not be cut off.
        return SessionTimers(idle: idle, keepalive: min(Double(keepalive.nanoseconds) / 1e9, idle / 2),
                             handshake: handshake ? min(10, max(1, idle)) : nil)
    }
}

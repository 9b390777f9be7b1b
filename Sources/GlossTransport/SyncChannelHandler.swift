import NIOCore

/// The NIO end of a session: hands received bytes to the driver, and turns idle events into
/// timeouts and keepalives. It decides nothing.
final class SyncChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let driver: SessionDriver
    let idleSeconds: Int

    init(driver: SessionDriver, idleSeconds: Int) { self.driver = driver; self.idleSeconds = idleSeconds }

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

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent {
            switch idle {
            case .read: driver.input(.idleTimeout(seconds: idleSeconds))
            case .write: driver.input(.keepalive)
            case .all: break
            }
        }
        context.fireUserInboundEventTriggered(event)
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
    var idleSeconds: Int { Int(idle.nanoseconds / 1_000_000_000) }
}

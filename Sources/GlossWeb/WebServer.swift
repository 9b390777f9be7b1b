import Foundation
import GlossCore
import GlossReplay
import GlossStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `gloss web`'s HTTP side: the gate (`WebGate`) before everything, the built-in assets, the
/// JSON API under `/api/`, and server-sent events that tell open pages the ledger changed.
public struct WebServer: Sendable {
    public let ledger: WebLedger
    public let sync: WebSync
    public let host: String
    public let port: Int
    public let secret: String
    public let logger: Logger
    /// How often the ledger is checked for events from elsewhere (another process, a peer).
    public let pollInterval: Duration
    /// Fixed bytes served as JSON at these paths, behind the same gate: `make bench` compares
    /// an article page with the same bytes served as a file. Empty for `gloss web`.
    public let fixedResponses: [String: [UInt8]]

    /// Request bodies beyond this are refused (413) before they are read whole: an article's
    /// text at most, however its JSON escapes it (the text itself is then checked).
    static let maxBody = 6 * EventLimits.maxPayload + 64 * 1024  // JSON may escape a byte as six (\u00XX)

    public init(ledger: WebLedger, sync: WebSync, host: String, port: Int, secret: String, logger: Logger,
                pollInterval: Duration = .milliseconds(400), fixedResponses: [String: [UInt8]] = [:]) {
        self.ledger = ledger; self.sync = sync; self.host = host; self.port = port; self.secret = secret; self.logger = logger
        self.pollInterval = pollInterval; self.fixedResponses = fixedResponses
    }

    /// A fresh secret: 32 random bytes from the system, hex.
    public static func newSecret() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    /// Serves until cancelled (Ctrl-C). `ready` receives the port bound (the OS picks one for 0).
    public func run(ready: @escaping @Sendable (Int) async -> Void) async throws {
        let portBox = PortBox()
        let router = Router()
        router.add(middleware: AccessLogMiddleware(logger: logger))
        router.add(middleware: GateMiddleware(box: portBox, secret: secret, host: host))
        routes(router)
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "gloss-web"),
                              onServerRunning: { channel in
                                  let p = channel.localAddress?.port ?? port
                                  portBox.set(p)
                                  await ready(p)
                              }, logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    func routes(_ router: Router<BasicRequestContext>) {
        let ledger = self.ledger, sync = self.sync
        router.get("/") { _, _ in WebAssets.response(WebAssets.index) }
        router.head("/") { _, _ in WebAssets.response(WebAssets.index, head: true) }
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        for (path, bytes) in fixedResponses {
            router.get(RouterPath(path)) { _, _ in WebAssets.response(.init(type: "application/json; charset=utf-8", bytes: bytes)) }
        }
        router.get("/assets/:name") { _, context in
            guard let name = context.parameters.get("name"), let asset = WebAssets.all[name] else {
                return Self.error(WebError.notFound("no such file"))
            }
            return WebAssets.response(asset)
        }
        func api(_ method: HTTPRequest.Method, _ path: RouterPath, _ body: @escaping @Sendable (Request, BasicRequestContext) async throws -> JSON) {
            router.on(path, method: method) { request, context in
                do { return Self.json(try await body(request, context)) } catch { return Self.error(error) }
            }
        }
        api(.get, "/api/me") { _, _ in try await ledger.run(WebOps.names) }
        api(.get, "/api/articles") { _, _ in try await ledger.run(WebOps.articles) }
        api(.post, "/api/articles") { request, _ in
            let r = try await Self.decode(WebRequests.NewArticle.self, request)
            return try await ledger.run { try WebOps.addArticle($0, r) }
        }
        router.get("/api/articles/:id") { _, context in
            do {
                let id = try context.parameters.require("id")
                return Self.json(raw: try await ledger.page(id))
            } catch { return Self.error(error) }
        }
        api(.post, "/api/annotations") { request, _ in
            let r = try await Self.decode(WebRequests.NewAnnotation.self, request)
            return try await ledger.run { try WebOps.annotate($0, ledger, r) }
        }
        api(.get, "/api/annotations/:id/history") { _, context in
            let id = try context.parameters.require("id")
            return try await ledger.run { try WebOps.history($0, id) }
        }
        api(.post, "/api/annotations/:id/replies") { request, context in
            let id = try context.parameters.require("id"), r = try await Self.decode(WebRequests.Comment.self, request)
            return try await ledger.run { try WebOps.reply($0, id, r) }
        }
        api(.post, "/api/annotations/:id/edit") { request, context in
            let id = try context.parameters.require("id"), r = try await Self.decode(WebRequests.Comment.self, request)
            return try await ledger.run { try WebOps.edit($0, id, r) }
        }
        api(.post, "/api/annotations/:id/tags") { request, context in
            let id = try context.parameters.require("id"), r = try await Self.decode(WebRequests.Tags.self, request)
            return try await ledger.run { try WebOps.tags($0, id, r) }
        }
        api(.post, "/api/annotations/:id/delete") { _, context in
            let id = try context.parameters.require("id")
            return try await ledger.run { try WebOps.setDeleted($0, id, true) }
        }
        api(.post, "/api/annotations/:id/restore") { _, context in
            let id = try context.parameters.require("id")
            return try await ledger.run { try WebOps.setDeleted($0, id, false) }
        }
        api(.post, "/api/annotations/:id/reanchor") { request, context in
            let id = try context.parameters.require("id"), r = try await Self.decode(WebRequests.Reanchor.self, request)
            return try await ledger.run { try WebOps.reanchor($0, ledger, id, r) }
        }
        api(.get, "/api/search") { request, _ in
            let q = request.uri.queryParameters
            let query = String(q["q"] ?? ""), tag = q["tag"].map(String.init), author = q["author"].map(String.init)
            return try await ledger.run { try WebOps.search($0, query: query, tag: tag, author: author) }
        }
        api(.get, "/api/peers") { _, _ in try await ledger.run { try sync.peers($0) } }
        api(.post, "/api/sync") { request, _ in
            struct Body: Decodable { var address: String }
            let r = try await Self.decode(Body.self, request)
            return try await sync.sync(r.address, ledger: ledger)
        }
        router.get("/api/events") { _, _ in
            let interval = pollInterval
            // Ends when the page goes (a write fails; a comment line every 5 s finds out) or
            // when the server shuts down (Ctrl-C), which does not wait for it.
            let body = ResponseBody { writer in
                try? await Self.stream(into: &writer, ledger: ledger, sync: sync, interval: interval)
                try? await writer.finish(nil)
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    /// The event stream: `change` when the log grew (from anywhere), `sync` with a running
    /// sync's progress, a comment line after 5 quiet seconds.
    static func stream(into writer: inout any ResponseBodyWriter, ledger: WebLedger, sync: WebSync, interval: Duration) async throws {
                var last = try await ledger.run { try $0.log.lastRow() }
                try await writer.write(ByteBuffer(string: "retry: 1000\nevent: hello\ndata: \(last)\n\n"))
                var quiet = Duration.zero
                var syncVersion = sync.version
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    try await Task.sleep(for: interval)
                    if let (v, p) = sync.progress(after: syncVersion) {
                        syncVersion = v
                        try await writer.write(ByteBuffer(string: "event: sync\ndata: \(p.serialized())\n\n"))
                    }
                    let now = try await ledger.run { try $0.log.lastRow() }
                    if now != last {
                        last = now
                        quiet = .zero
                        try await writer.write(ByteBuffer(string: "event: change\ndata: \(now)\n\n"))
                    } else {
                        quiet += interval
                        if quiet >= .seconds(5) { quiet = .zero; try await writer.write(ByteBuffer(string: ": still here\n\n")) }
                    }
                }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: maxBody) } catch {
            throw WebError(413, "the request is larger than \(maxBody) bytes")
        }
        do { return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView)) } catch let DecodingError.keyNotFound(key, _) {
            throw WebError.badRequest("the request lacks \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, c) {
            throw WebError.badRequest("\"\(c.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type")
        } catch {
            throw WebError.badRequest("the request is not the JSON this call takes (see README, gloss web)")
        }
    }

    static func json(_ value: JSON, status: HTTPResponse.Status = .ok) -> Response {
        json(raw: value.serialized(), status: status)
    }

    static func json(raw: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: raw)))
    }

    static func error(_ error: any Error) -> Response {
        switch error {
        case let e as WebError: return json(.object(["error": .string(e.message)]), status: .init(code: e.status))
        case let e as StoreError where e.code == .sqlite || e.code == .io:
            return json(.object(["error": .string("the ledger could not be read or written: \(e.message); try again")]), status: .serviceUnavailable)
        case let e as StoreError: return json(.object(["error": .string(e.message)]), status: .unprocessableContent)
        case let e as HTTPError where e.status == .notFound:
            return json(.object(["error": .string("no such page or call (README, gloss web, lists the API)")]), status: .notFound)
        case let e as HTTPError: return json(.object(["error": .string(e.body ?? "bad request")]), status: e.status)
        default: return json(.object(["error": .string("internal error: \(error)")]), status: .internalServerError)
        }
    }
}

/// The port the server bound, known once it runs (the gate needs it to check `Host`).
final class PortBox: Sendable {
    private let value = Mutex(0)
    func set(_ p: Int) { value.withLock { $0 = p } }
    var port: Int { value.withLock { $0 } }
}

import Synchronization

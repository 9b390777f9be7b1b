import Hummingbird
import Logging

/// One line per request on standard error through swift-log: method, path, status and time.
/// The query is left out, so the secret of the login URL never reaches a log.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let ms = Int(((ContinuousClock.now - start) / .milliseconds(1)).rounded())
        logger.info("\(request.method.rawValue) \(request.uri.path) \(response.status.code) \(ms) ms")
        return response
    }
}

import HTTPTypes
import Hummingbird

/// Puts `WebGate` in front of every route, and the security headers on every response: a
/// Content-Security-Policy with no inline script, no `eval`, nothing remote; no sniffing, no
/// framing, no referrer.
struct GateMiddleware<Context: RequestContext>: RouterMiddleware {
    let box: PortBox
    let secret: String
    let host: String

    static var csp: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let gate = WebGate(secret: secret, host: host, port: box.port)
        let h = request.headers
        let decision = gate.decide(
            method: request.method.rawValue, path: request.uri.path, key: request.uri.queryParameters["key"].map(String.init),
            host: request.head.authority ?? h[HTTPField.Name("Host")!], origin: h[HTTPField.Name("Origin")!],
            cookie: h[.cookie], fetchSite: h[HTTPField.Name("Sec-Fetch-Site")!])
        var response: Response
        switch decision {
        case .allow:
            // An unknown path or method is an error thrown by the router: answered here, as JSON
            // with the same headers as everything else.
            do { response = try await next(request, context) } catch { response = WebServer.error(error) }
        case .login:
            response = Response(status: .seeOther)
            response.headers[.location] = "/"
            response.headers[.setCookie] = gate.setCookie
        case .deny(let status, let reason):
            response = WebServer.json(.object(["error": .string(reason)]), status: .init(code: status))
        }
        response.headers[HTTPField.Name("Content-Security-Policy")!] = Self.csp
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("Cross-Origin-Resource-Policy")!] = "same-origin"
        return response
    }
}

import GlossWeb
import Testing

/// The request gate of `gloss web`, as a value: Host, the secret in the URL and in the cookie,
/// Origin on changes.
@Suite struct WebGateTests {
    let secret = String(repeating: "ab", count: 32)
    var gate: WebGate { WebGate(secret: secret, host: "127.0.0.1", port: 8123) }
    var cookie: String { "other=1; gloss_8123=\(secret)" }

    func decide(_ method: String = "GET", path: String = "/api/articles", key: String? = nil, host: String? = "127.0.0.1:8123",
                origin: String? = nil, cookie: String? = nil, site: String? = nil) -> WebGate.Decision {
        gate.decide(method: method, path: path, key: key, host: host, origin: origin, cookie: cookie, fetchSite: site)
    }

    @Test func theURLsKeyLogsIn() {
        #expect(decide(path: "/", key: secret) == .login)
        #expect(gate.setCookie == "gloss_8123=\(secret); Path=/; HttpOnly; SameSite=Strict")
        guard case .deny(403, _) = decide(path: "/", key: String(repeating: "cd", count: 32)) else { Issue.record("a wrong key is refused"); return }
        guard case .deny(403, _) = decide(path: "/", key: String(secret.dropLast())) else { Issue.record("a shorter key is refused"); return }
    }

    @Test func everyRequestNeedsTheCookie() {
        #expect(decide(cookie: cookie) == .allow)
        for bad in [nil, "", "gloss_8123=", "gloss_8124=\(secret)", "gloss_8123=\(secret.uppercased())", "x=gloss_8123=\(secret)"] {
            guard case .deny(403, let why) = decide(cookie: bad) else { Issue.record("cookie \(String(describing: bad)) let in"); continue }
            #expect(why.contains("open the URL gloss web printed"))
        }
    }

    @Test func theHostMustBeThisServer() {
        #expect(decide(host: "localhost:8123", cookie: cookie) == .allow)
        #expect(decide(host: "LOCALHOST:8123", cookie: cookie) == .allow)
        #expect(decide(host: "192.168.1.20:8123", cookie: cookie) == .allow, "an IP literal cannot be rebound: bound to 0.0.0.0 the server is reached by the machine's addresses")
        #expect(decide(host: "[fe80::1]:8123", cookie: cookie) == .allow)
        for bad in [nil, "evil.example:8123", "127.0.0.1:8124", "127.0.0.1", "evil.example", "1.2.3:8123", "999.1.1.1:8123",
                    "10.0.0.1.evil.example:8123", "[evil]:8123"] {
            guard case .deny(403, let why) = decide(host: bad, cookie: cookie) else { Issue.record("Host \(String(describing: bad)) let in"); continue }
            #expect(why.contains("answers only to"))
        }
        guard case .deny = decide(path: "/", key: secret, host: "rebound.example:8123") else { Issue.record("a rebinding page cannot log in"); return }
    }

    @Test func changesNeedThisOrigin() {
        #expect(decide("POST", origin: "http://127.0.0.1:8123", cookie: cookie, site: "same-origin") == .allow)
        #expect(decide("POST", host: "localhost:8123", origin: "http://localhost:8123", cookie: cookie) == .allow)
        #expect(decide("POST", host: "192.168.1.20:8123", origin: "http://192.168.1.20:8123", cookie: cookie) == .allow)
        guard case .deny(403, _) = decide("POST", host: "127.0.0.1:8123", origin: "http://localhost:8123", cookie: cookie) else {
            Issue.record("an Origin must be the Host the request named"); return
        }
        for bad: String? in [nil, "null", "http://evil.example", "http://127.0.0.1:8124", "https://127.0.0.1:8123", "http://127.0.0.1:8123/x"] {
            guard case .deny(403, _) = decide("POST", origin: bad, cookie: cookie) else { Issue.record("Origin \(String(describing: bad)) let in"); continue }
        }
        guard case .deny(403, _) = decide("POST", origin: "http://127.0.0.1:8123", cookie: cookie, site: "cross-site") else { Issue.record("cross-site"); return }
        #expect(decide("GET", cookie: cookie) == .allow, "reads need no Origin (a page's own GETs have none)")
        guard case .deny(405, _) = decide("POST", path: "/", key: secret) else { Issue.record("logging in is a GET"); return }
    }

    @Test func ipv6LoopbackNamesItself() {
        let g = WebGate(secret: secret, host: "::1", port: 9)
        #expect(g.authorities == ["[::1]:9", "localhost:9"])
    }
}

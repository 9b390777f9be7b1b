import Foundation

/// Who may talk to `gloss web`, decided from a request's method, path and headers and the
/// server's own address and secret (README §gloss web, issue 14's security rules). A pure
/// value: no I/O, tested on its own.
///
/// - The `Host` header must name the address the server listens on, or be an IP address with
///   its port (a page of another site that rebinds its DNS name to this machine sends its own
///   name, and is refused; an IP literal cannot be rebound). Bound to 0.0.0.0, the server is
///   reached by the machine's addresses.
/// - Every request carries the per-start secret in an HttpOnly, SameSite=Strict cookie; the
///   only way to get it is the URL `gloss web` prints (`/?key=SECRET`), answered by setting
///   the cookie and redirecting to `/`.
/// - A request that may change anything (any method but GET and HEAD) must carry an `Origin`
///   equal to this server's own, and must not be marked cross-site by `Sec-Fetch-Site`.
public struct WebGate: Sendable {
    /// The secret of this start: 64 hex digits.
    public let secret: String
    /// `host:port` spellings that name this server, lower-cased.
    public let authorities: Set<String>
    public let port: Int
    /// The cookie's name carries the port: two `gloss web` on one machine do not share a
    /// cookie jar entry (cookies are per host, not per port).
    public let cookieName: String

    public init(secret: String, host: String, port: Int) {
        self.secret = secret
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        var names: Set<String> = [bare.contains(":") ? "[\(bare.lowercased())]:\(port)" : "\(bare.lowercased()):\(port)"]
        if bare == "127.0.0.1" || bare == "::1" || bare == "localhost" { names.insert("localhost:\(port)") }
        if port == 80 { names.formUnion(names.map { String($0.dropLast(3)) }) }  // browsers leave out :80
        authorities = names
        self.port = port
        cookieName = "gloss_\(port)"
    }

    public enum Decision: Equatable, Sendable {
        case allow
        /// The right secret in the URL: set the cookie, redirect to `/`.
        case login
        case deny(status: Int, reason: String)
    }

    public func decide(method: String, path: String, key: String?, host: String?, origin: String?,
                       cookie: String?, fetchSite: String?) -> Decision {
        guard let host, names(host) else {
            return .deny(status: 403, reason: "this server answers only to \(authorities.sorted().joined(separator: " or ")) or an IP address with port \(port); the Host header said \(host.map { "\"\($0)\"" } ?? "nothing")")
        }
        if let key, path == "/" {
            guard method == "GET" else { return .deny(status: 405, reason: "open the URL gloss web printed in a browser") }
            return Self.same(key, secret) ? .login : .deny(status: 403, reason: "that key is not this server's: open the URL gloss web printed (it changes at every start)")
        }
        guard let value = Self.cookie(cookieName, in: cookie), Self.same(value, secret) else {
            return .deny(status: 403, reason: "no valid session: open the URL gloss web printed (it changes at every start)")
        }
        if method != "GET" && method != "HEAD" {
            // Same origin: the page that sends the change was served by the host it names.
            guard let origin, Self.authority(ofOrigin: origin) == host.lowercased() else {
                return .deny(status: 403, reason: "a change must come from this app's own page (Origin \(origin.map { "\"\($0)\"" } ?? "missing"))")
            }
            if let fetchSite, fetchSite != "same-origin" && fetchSite != "none" {
                return .deny(status: 403, reason: "a change must come from this app's own page (Sec-Fetch-Site: \(fetchSite))")
            }
        }
        return .allow
    }

    /// Whether a `Host` header names this server: one of its names, or an IP literal with its
    /// port (DNS rebinding needs a name).
    func names(_ host: String) -> Bool {
        let h = host.lowercased()
        if authorities.contains(h) { return true }
        guard h.hasSuffix(":\(port)") else { return false }
        let address = h.dropLast(":\(port)".count)
        if address.hasPrefix("[") && address.hasSuffix("]") {
            let inner = address.dropFirst().dropLast()
            return !inner.isEmpty && inner.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        let parts = address.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isNumber) && (Int(p) ?? 256) <= 255 }
    }

    /// The `Set-Cookie` value that hands the session to the browser.
    public var setCookie: String { "\(cookieName)=\(secret); Path=/; HttpOnly; SameSite=Strict" }

    /// `host:port` of an `http://` origin, lower-cased; nil for anything else.
    static func authority(ofOrigin origin: String) -> String? {
        let o = origin.lowercased()
        guard o.hasPrefix("http://") else { return nil }
        let rest = o.dropFirst("http://".count)
        guard !rest.isEmpty, !rest.contains("/") else { return nil }
        return String(rest)
    }

    /// The value of cookie `name` in a `Cookie` header.
    static func cookie(_ name: String, in header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces) == name { return kv[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// Compares in time independent of where the strings differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var d: UInt8 = 0
        for i in 0..<x.count { d |= x[i] ^ y[i] }
        return d == 0
    }
}

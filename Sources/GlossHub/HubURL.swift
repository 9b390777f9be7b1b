import Foundation

/// Where a hub's PostgreSQL database is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`,
/// with `?host=/socket/folder` for a Unix socket and `?sslmode=disable|prefer|require`
/// (libpq's words; `prefer` by default). The password may instead come from `PGPASSWORD`.
/// `description` never shows the password.
public struct HubURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    /// A folder holding the server's Unix socket (`?host=/path`), used instead of TCP.
    public var socketFolder: String?
    public var tls: TLSMode

    /// What is wrong with a URL, said so a person can mend it.
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) {
        let example = "postgres://USER@HOST:PORT/DATABASE"
        guard let c = URLComponents(string: text), let scheme = c.scheme, ["postgres", "postgresql"].contains(scheme.lowercased()) else {
            throw Invalid(description: "\(Self.redacted(text)) is not a PostgreSQL URL: write it as \(example)")
        }
        let db = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        guard !db.isEmpty, !db.contains("/") else {
            throw Invalid(description: "\(Self.redacted(text)) names no database: write it as \(example)")
        }
        database = db.removingPercentEncoding ?? db
        user = c.user?.removingPercentEncoding ?? environment["PGUSER"] ?? "postgres"
        password = c.password?.removingPercentEncoding ?? environment["PGPASSWORD"]
        host = c.host ?? "127.0.0.1"
        if host.isEmpty { host = "127.0.0.1" }
        port = c.port ?? 5432
        guard (1...65535).contains(port) else { throw Invalid(description: "port \(port) in \(Self.redacted(text)) is out of range") }
        tls = .prefer
        for item in c.queryItems ?? [] {
            switch item.name {
            case "host":
                guard let v = item.value, v.hasPrefix("/") else {
                    throw Invalid(description: "?host= takes the folder of the server's Unix socket (an absolute path)")
                }
                socketFolder = v
            case "sslmode":
                guard let v = item.value, let m = TLSMode(rawValue: v) else {
                    throw Invalid(description: "sslmode=\(item.value ?? "") is not one of disable, prefer, require")
                }
                tls = m
            case "password":
                password = item.value
            case "user":
                if let v = item.value, !v.isEmpty { user = v }
            case "port":
                guard let v = item.value, let p = Int(v), (1...65535).contains(p) else {
                    throw Invalid(description: "port=\(item.value ?? "") is not a port number")
                }
                port = p
            case "application_name", "connect_timeout":
                continue
            default:
                throw Invalid(description: "\(item.name)= in \(Self.redacted(text)) is not understood (host=, sslmode=, user=, password= and port= are)")
            }
        }
    }

    public var description: String {
        var s = "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        if let socketFolder { s += "?host=\(socketFolder)" }
        return s
    }

    /// `text` with any password (before the `@`, or a `password=` parameter) shown as `***`,
    /// for messages about a URL that did not parse.
    static func redacted(_ text: String) -> String {
        var out = text
        if let at = out.lastIndex(of: "@"), let scheme = out.range(of: "://"), scheme.upperBound < at,
           let colon = out[scheme.upperBound..<at].firstIndex(of: ":") {
            out = String(out[..<colon]) + ":***" + String(out[at...])
        }
        while let r = out.range(of: "password=", options: .caseInsensitive), !out[r.upperBound...].hasPrefix("***") {
            let end = out[r.upperBound...].firstIndex(of: "&") ?? out.endIndex
            out.replaceSubrange(r.upperBound..<end, with: "***")
        }
        return out
    }
}

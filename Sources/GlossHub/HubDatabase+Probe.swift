import Logging
import NIOSSL
import PostgresNIO

extension HubDatabase {
    /// Connects once, outside the pool, and says what stops it, in words a person can act on:
    /// the pool itself only waits and retries, and its reason would be lost. Nil when the
    /// database answers.
    public func probe(timeout: Duration = .seconds(6)) async -> HubError? {
        let url = self.url
        let outcome = await Race.first(timeout: timeout) { () async throws -> Bool in
            var config: PostgresConnection.Configuration
            if let socket = url.socketFolder {
                config = .init(unixSocketPath: "\(socket)/.s.PGSQL.\(url.port)", username: url.user, password: url.password, database: url.database)
            } else {
                let tls: PostgresConnection.Configuration.TLS
                switch url.tls {
                case .disable: tls = .disable
                case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
                config = .init(host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tls)
            }
            let c = try await PostgresConnection.connect(configuration: config, id: 0, logger: sqlLogger)
            try? await c.close()
            return true
        }
        switch outcome {
        case .value: return nil
        case .timedOut: return HubError(.unavailable, "the hub's database (\(url)) did not answer a connection within \(timeout.components.seconds) s; is PostgreSQL running there, and reachable?")
        case .failed(let error): return Self.explained(error, url: url)
        }
    }

    /// A failure to connect, explained.
    static func explained(_ error: any Error, url: HubURL) -> HubError {
        guard let p = error as? PSQLError else { return HubError(.unavailable, "cannot connect to the hub's database (\(url)): \(error)") }
        let where_ = url.socketFolder.map { "the socket in \($0)" } ?? "\(url.host):\(url.port)"
        switch p.code {
        case .server:
            let state = p.serverInfo?[.sqlState] ?? ""
            let message = p.serverInfo?[.message] ?? "\(p)"
            switch state {
            case "28P01", "28000":
                return HubError(.database, "the database at \(where_) refused to let \(url.user) in: \(message). Check the URL's user and password (or PGPASSWORD)")
            case "3D000":
                return HubError(.schema, "the database \"\(url.database)\" does not exist at \(where_): create it (createdb \(url.database)), then run `gloss hub init`")
            case "57P03", "53300":
                return HubError(.unavailable, "the database at \(where_) is not accepting connections now (\(message)); try again shortly")
            default:
                return HubError(.database, "the database at \(where_) refused the connection: \(state) \(message)")
            }
        case .sslUnsupported:
            return HubError(.database, "the database at \(where_) does not offer TLS, and the URL asks for it (sslmode=require): use sslmode=prefer or disable on a trusted network")
        case .authMechanismRequiresPassword:
            return HubError(.database, "the database at \(where_) asks \(url.user) for a password: put it in the URL or in PGPASSWORD")
        default:
            let reason = p.underlying.map { "\($0)" } ?? "\(p.code)"
            if reason.contains("refused") || reason.contains("ECONNREFUSED") || reason.contains("errno: 111") {
                return HubError(.unavailable, "nothing answers at \(where_) (connection refused): is PostgreSQL running there? Try again once it is")
            }
            if reason.lowercased().contains("resolve") || reason.contains("UnknownHost") || reason.contains("getaddrinfo") {
                return HubError(.unavailable, "the host \(url.host) is not known (\(reason)): check the URL")
            }
            return HubError(.unavailable, "cannot connect to the database at \(where_): \(reason); try again shortly")
        }
    }
}

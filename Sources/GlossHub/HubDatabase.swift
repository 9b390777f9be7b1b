import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// One process's pool of connections to the hub's PostgreSQL (PostgresNIO's `PostgresClient`,
/// run in a task of its own), and the sorting of its errors into `HubError`s.
public final class HubDatabase: Sendable {
    public let url: HubURL
    private let config: PostgresClient.Configuration
    /// The pool and the task running it. Replaced when the pool gives up on the database
    /// (PostgresNIO's pool stops trying after repeated failures to connect, a database that
    /// was down for a while): the next call starts a fresh one.
    private let pool: Mutex<(client: PostgresClient, runner: Task<Void, Never>, closed: Bool)>

    /// `connections`: the most this process holds at once. `name`: what `pg_stat_activity`
    /// shows for them (`gloss hub status` lists the serve processes by it).
    public init(url: HubURL, connections: Int = 16, name: String = "gloss") {
        self.url = url
        var config: PostgresClient.Configuration
        if let socket = url.socketFolder {
            config = .init(unixSocketPath: "\(socket)/.s.PGSQL.\(url.port)", username: url.user, password: url.password, database: url.database)
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch url.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(.makeClientConfiguration())
            case .require: tls = .require(.makeClientConfiguration())
            }
            config = .init(host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tls)
        }
        config.options.maximumConnections = max(1, connections)
        config.options.connectTimeout = .seconds(5)
        // One connection kept open: `gloss hub status` lists the serve processes by theirs.
        config.options.minimumConnections = 1
        config.options.additionalStartupParameters = [("application_name", name)]
        self.config = config
        pool = Mutex(Self.start(config))
    }

    private static func start(_ config: PostgresClient.Configuration) -> (client: PostgresClient, runner: Task<Void, Never>, closed: Bool) {
        let client = PostgresClient(configuration: config)
        return (client, Task { await client.run() }, false)
    }

    var client: PostgresClient { pool.withLock { $0.client } }

    /// Starts a fresh pool in place of `stale` (unless another call did already).
    private func replace(_ stale: PostgresClient) {
        pool.withLock { p in
            guard p.client === stale, !p.closed else { return }
            p.runner.cancel()
            let fresh = Self.start(config)
            p = fresh
        }
    }

    /// Closes every connection; the database must not be used after.
    public func close() async {
        let runner = pool.withLock { p -> Task<Void, Never> in
            p.closed = true
            return p.runner
        }
        runner.cancel()
        await runner.value
    }

    /// `body` against the pool, its errors sorted (`HubError`), given up after `timeout`
    /// (a database that is down makes the pool wait for a connection: this says so instead).
    /// On a timeout the work is cancelled and not waited for: the caller hears at the time.
    func run<T: Sendable>(_ what: String, timeout: Duration = .seconds(15),
                          _ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws(HubError) -> T {
        let client = self.client
        let work = Task { try await body(client) }
        // The pool waits quietly for a database that is down: after a few seconds a fresh
        // connection is tried beside it, and what stops it (nothing listening, a refused login,
        // a missing database) is said at once.
        let suspicion = Duration.seconds(3)
        var outcome = await Race.wait(for: work, timeout: min(suspicion, timeout))
        if case .timedOut = outcome, timeout > suspicion {
            if let reason = await probe() {
                work.cancel()
                throw reason
            }
            outcome = await Race.wait(for: work, timeout: timeout - suspicion)
        }
        switch outcome {
        case .value(let v):
            return v
        case .timedOut:
            work.cancel()
            throw HubError(.unavailable, "the hub's database (\(url)) did not answer within \(timeout.components.seconds) s while \(what); try again shortly")
        case .failed(let e as HubError):
            throw e
        case .failed(let error):
            // The pool gave up connecting (PostgresNIO stops after repeated failures): a fresh
            // one for the next call. Nothing else replaces it, so work in flight is not cut.
            if "\(type(of: error))".contains("ConnectionPoolError") {
                replace(client)
                throw HubError(.unavailable, "the hub's database (\(url)) cannot be reached while \(what); try again shortly")
            }
            throw Self.sorted(error, what: what, url: url)
        }
    }

    /// A PostgreSQL error in the hub's words.
    static func sorted(_ error: any Error, what: String, url: HubURL) -> HubError {
        if let t = error as? PostgresTransactionError {
            // The first of what went wrong: BEGIN, the work, ROLLBACK, COMMIT.
            if let e = t.beginError ?? t.closureError ?? t.commitError ?? t.rollbackError { return sorted(e, what: what, url: url) }
        }
        if let e = error as? HubError { return e }
        if error is CancellationError {
            return HubError(.unavailable, "the hub's database (\(url)) was not reached while \(what); try again shortly")
        }
        guard let p = error as? PSQLError else { return HubError(.database, "\(what): \(error)") }
        switch p.code {
        case .server:
            let state = p.serverInfo?[.sqlState] ?? ""
            let message = p.serverInfo?[.message] ?? "\(p)"
            if state == "GA001" { return HubError(.appendOnly, message) }
            if ["40001", "40P01", "23505", "55P03"].contains(state) {
                return HubError(.conflict, "\(what): another writer got there first (\(state): \(message))")
            }
            // admin shutdown, crash shutdown, cannot connect now, too many connections
            if ["57P01", "57P02", "57P03", "53300", "08006", "08001", "08004"].contains(state) {
                return HubError(.unavailable, "the hub's database (\(url)) is not accepting work now (\(message)) while \(what); try again shortly")
            }
            if state == "28P01" || state == "28000" {
                return HubError(.database, "the hub's database (\(url)) refused the login: \(message)")
            }
            if state == "3D000" {
                return HubError(.schema, "the database of \(url) does not exist: create it (createdb) and run `gloss hub init`")
            }
            return HubError(.database, "\(what): PostgreSQL said \(state): \(message)")
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown, .queryCancelled:
            return HubError(.unavailable, "the hub's database (\(url)) cannot be reached while \(what) (\(p.code)); try again shortly")
        default:
            return HubError(.database, "\(what): \(p.code): \(p.serverInfo?[.message] ?? "")")
        }
    }
}

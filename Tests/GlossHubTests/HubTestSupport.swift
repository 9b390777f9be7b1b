import GlossCore
import GlossHub
import GlossTestSupport
import Synchronization
import Testing

/// A fresh hub database on the tests' cluster, with the hub's schema and a key.
struct TestHub {
    let cluster: ThrowawayPostgres
    let database: ThrowawayPostgres.Database
    let key: SigningKey
    let log: HubLog

    static func make(cluster: ThrowawayPostgres? = nil, connections: Int = 4) async throws -> TestHub {
        let c = try cluster ?? ThrowawayPostgres.shared()
        let d = try c.createDatabase()
        let key = SigningKey()
        let log = HubLog(HubDatabase(url: try HubURL(d.url), connections: connections, name: "gloss test"))
        #expect(try await log.initialize(key: key.publicKey) == .created)
        return TestHub(cluster: c, database: d, key: key, log: log)
    }

    /// Another process's view of the same hub: its own pool.
    func secondLog(connections: Int = 4) throws -> HubLog {
        HubLog(HubDatabase(url: try HubURL(database.url), connections: connections, name: "gloss test 2"))
    }

    func sql(_ text: String) throws -> String { try cluster.psql(database.name, text) }

    func close() async { await log.db.close() }
}

/// Bytes gathered from a sink a task calls.
final class ByteBox: Sendable {
    private let data = Mutex<[UInt8]>([])
    func append(_ b: [UInt8]) { data.withLock { $0 += b } }
    var bytes: [UInt8] { data.withLock { $0 } }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL cluster of the tests' own: `initdb` in a temporary folder, listening on
/// 127.0.0.1 on a port the OS picked, stopped and removed when the test process ends. One per
/// test process (`shared()`), a fresh database per test (`createDatabase()`). As root (CI),
/// the server's programs run as the `postgres` user, since PostgreSQL refuses to run as root.
/// Without PostgreSQL installed the tests fail, saying to run `make deps`: never skipped.
public final class ThrowawayPostgres: @unchecked Sendable {
    // `@unchecked Sendable` is safe: `port`, `folder` and `bin` never change after `init`;
    // `databases` and the running state are guarded by `lock`.
    public let port: Int
    public let folder: String
    private let bin: String
    private let asPostgres: Bool
    /// The server's options (`pg_ctl start -o`), given again at every start.
    private var serverOptions = ""
    private let lock = NSLock()
    private var databases = 0

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private static let sharedLock = NSLock()
    nonisolated(unsafe) private static var instance: ThrowawayPostgres?

    /// The test process's cluster, started on first use.
    public static func shared() throws -> ThrowawayPostgres {
        sharedLock.lock()
        defer { sharedLock.unlock() }
        if let instance { return instance }
        let c = try ThrowawayPostgres(fsync: ProcessInfo.processInfo.environment["GLOSS_PG_FSYNC"] == "on")
        instance = c
        atexit { ThrowawayPostgres.instance?.destroy() }
        return c
    }

    /// Starts a new cluster. `fsync`: off for the tests (faster; durability is not what they
    /// check), on for benchmarks.
    public init(fsync: Bool) throws {
        guard let bin = Self.findBin() else {
            throw Failure(description: "PostgreSQL's programs (initdb, pg_ctl) were not found: run `make deps` (it installs Debian's postgresql), or set GLOSS_PG_BIN to their folder")
        }
        self.bin = bin
        asPostgres = getuid() == 0
        var template = Array("/tmp/gloss-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "cannot make a temporary folder for PostgreSQL") }
        folder = String(cString: made)
        if asPostgres {
            guard let pw = getpwnam("postgres") else {
                throw Failure(description: "running as root, PostgreSQL needs the `postgres` user to run as: install Debian's postgresql (`make deps`)")
            }
            chown(folder, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        try Self.run(bin + "/initdb", ["-D", folder + "/data", "-U", "gloss", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"], asPostgres: asPostgres)
        var lastError = ""
        for _ in 0..<3 {
            let p = try Self.freePort()
            do {
                let options = "-h 127.0.0.1 -p \(p) -k \(folder) -c max_connections=300 -c fsync=\(fsync ? "on" : "off") -c shared_buffers=64MB"
                try Self.run(bin + "/pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "30", "-o", options, "start"], asPostgres: asPostgres)
                port = p
                serverOptions = options
                return
            } catch {
                lastError = "\(error)"
            }
        }
        throw Failure(description: "PostgreSQL did not start: \(lastError)\n\((try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? "")")
    }

    /// A database of the cluster: its name (for `psql`) and its URL (for `--store`).
    public struct Database: Sendable {
        public let name: String
        public let url: String
    }

    /// A new, empty database.
    public func createDatabase() throws -> Database {
        lock.lock()
        databases += 1
        let name = "gloss_test_\(getpid())_\(databases)"
        lock.unlock()
        try Self.run(bin + "/createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "gloss", name], asPostgres: false)
        return Database(name: name, url: url(name))
    }

    public func url(_ database: String) -> String { "postgres://gloss@127.0.0.1:\(port)/\(database)?sslmode=disable" }

    /// Stops the server (`fast`: sessions are cut; `immediate`: as a crash).
    public func stop(mode: String = "fast") throws {
        try Self.run(bin + "/pg_ctl", ["-D", folder + "/data", "-m", mode, "-w", "stop"], asPostgres: asPostgres)
    }

    /// Starts the server again after `stop`, on the same port.
    public func start() throws {
        try Self.run(bin + "/pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "30", "-o", serverOptions, "start"], asPostgres: asPostgres)
    }

    /// Restarts the server, cutting every connection (stop `-m fast`, then start).
    public func restart() throws {
        try stop(mode: "fast")
        try start()
    }

    /// Runs SQL as the cluster's superuser through `psql` (for what the tests do by hand: a
    /// trigger disabled, a row changed behind gloss's back). Returns standard output.
    @discardableResult
    public func psql(_ database: String, _ sql: String) throws -> String {
        guard let psql = ["\(bin)/psql", "/usr/bin/psql"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure(description: "psql was not found: run `make deps`")
        }
        return try Self.run(psql, ["-h", "127.0.0.1", "-p", "\(port)", "-U", "gloss", "-d", database, "-v", "ON_ERROR_STOP=1", "-tAc", sql], asPostgres: false)
    }

    /// Stops the server at once and removes its folder.
    public func destroy() {
        _ = try? Self.run(bin + "/pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "stop"], asPostgres: asPostgres)
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// initdb's folder: $GLOSS_PG_BIN, else the newest /usr/lib/postgresql/N/bin, else PATH's.
    static func findBin() -> String? {
        let fm = FileManager.default
        if let b = ProcessInfo.processInfo.environment["GLOSS_PG_BIN"], fm.isExecutableFile(atPath: b + "/initdb") { return b }
        let versions = ((try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap(Int.init).sorted()
        for v in versions.reversed() where fm.isExecutableFile(atPath: "/usr/lib/postgresql/\(v)/bin/initdb") { return "/usr/lib/postgresql/\(v)/bin" }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin").split(separator: ":")
        where fm.isExecutableFile(atPath: "\(dir)/initdb") && fm.isExecutableFile(atPath: "\(dir)/pg_ctl") && fm.isExecutableFile(atPath: "\(dir)/createdb") {
            return String(dir)
        }
        return nil
    }

    /// A port nobody listens on now (bound by the OS and released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot make a socket") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw Failure(description: "cannot bind a port on 127.0.0.1") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Runs a program to its end, its output in files: `pg_ctl start` leaves the server
    /// running with whatever it inherited, so no pipe (a reader would wait for ever) and
    /// `posix_spawn` + `waitpid` (Foundation's `Process` did not see `runuser` end once the
    /// server it started lived on).
    @discardableResult
    static func run(_ program: String, _ args: [String], asPostgres: Bool) throws -> String {
        let argv = asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] + args : [program] + args
        let outPath = NSTemporaryDirectory() + "gloss-pg-out-\(UUID().uuidString)"
        let errPath = NSTemporaryDirectory() + "gloss-pg-err-\(UUID().uuidString)"
        defer { unlink(outPath); unlink(errPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ)
        guard spawned == 0 else { throw Failure(description: "cannot run \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let o = FileManager.default.contents(atPath: outPath) ?? Data()
        let e = FileManager.default.contents(atPath: errPath) ?? Data()
        let exited = (status & 0x7f) == 0, code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            throw Failure(description: "\((program as NSString).lastPathComponent) \(args.joined(separator: " ")) failed (status \(status)): \(String(decoding: e, as: UTF8.self))\(String(decoding: o, as: UTF8.self))")
        }
        return String(decoding: o, as: UTF8.self)
    }
}

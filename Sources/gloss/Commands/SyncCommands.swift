import ArgumentParser
import Foundation
import Dispatch
import GlossCore
import GlossHub
import GlossLedger
import GlossReplay
import GlossStore
import GlossSync
import GlossTransport
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// HOST:PORT, with [v6]:PORT for IPv6.
struct Endpoint: ExpressibleByArgument, CustomStringConvertible {
    let address: HostPort
    init?(argument: String) {
        guard let a = HostPort(argument) else { return nil }
        address = a
    }
    var host: String { address.host }
    var port: Int { address.port }
    var description: String { address.description }
}

/// Runs `body` when SIGINT or SIGTERM arrives (instead of dying mid-transaction).
final class Signals {
    private let sources: [DispatchSourceSignal]
    init(_ body: @escaping @Sendable (Int32) -> Void) {
        sources = [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { body(sig) }
            s.resume()
            return s
        }
    }
}

#if canImport(Glibc)
/// glibc's `mallopt` (malloc.h is not part of Swift's Glibc module).
@_silgen_name("mallopt") private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
#endif

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve this ledger to peers on the allow-list, over TCP.",
        discussion: Help.reflow("""
            Every session is encrypted and mutually authenticated (Protocol/SYNC.md). A peer whose key \
            is not on the allow-list (`gloss peer allow KEY`) is refused before any event moves.

            As soon as the address is bound, the first line on standard output (flushed at once) \
            is `Serving FOLDER on HOST:PORT as KEY` (an IPv6 HOST in brackets): with \
            port 0 in --listen, PORT is the one the OS picked. KEY is this ledger's public key, for \
            the peers' `gloss sync HOST:PORT --expect-key KEY`.

            One log line per session on standard error. SIGINT or SIGTERM stops the server cleanly: \
            a batch being stored is committed or rolled back whole.

            With --store postgres://… and --key FILE it serves a hub instead of a ledger (`gloss hub \
            --help`): its first line is then `Serving hub URL on HOST:PORT as KEY`. Any number of such \
            processes may serve one hub at once. A peer arriving while the database cannot be reached \
            is told to try again (`gloss sync` does, with backoff).
            """))
    @OptionGroup var options: LedgerOptions
    @Option(help: "Serve a hub: its PostgreSQL database, postgres://USER@HOST:PORT/DATABASE (see `gloss hub`).") var store: String?
    @Option(help: "With --store: the hub's key file (as `gloss hub init --key` made it).") var key: String?
    @Option(help: "With --store: the most database connections this process holds.") var dbConnections = 16
    @Option(help: "Address to listen on (port 0: the OS picks one).") var listen = Endpoint(argument: "127.0.0.1:7420")!
    @Option(help: "Seconds a peer may stay silent before it is cut off.") var idleTimeout = 30
    @Option(help: "Most authenticated sessions at once; a peer beyond it is told the server is busy, and `gloss sync` retries.") var maxSessions = 64
    @Option(help: "Most connections still in their handshake; beyond it the longest-waiting is dropped, so sockets that never authenticate cannot lock peers out.") var maxPending = 128

    func validate() throws {
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout \(idleTimeout): give a number of seconds, at least 1") }
        guard maxSessions >= 1 else { throw ValidationError("--max-sessions \(maxSessions): give at least 1") }
        guard maxPending >= 1 else { throw ValidationError("--max-pending \(maxPending): give at least 1") }
        guard dbConnections >= 1 else { throw ValidationError("--db-connections \(dbConnections): give at least 1") }
        if store != nil && key == nil { throw ValidationError("--store serves a hub: give its key file too (--key FILE, as `gloss hub init --key` made it)") }
        if store == nil && key != nil { throw ValidationError("--key is for a hub: give --store postgres://… too (a ledger's key is in its folder)") }
    }

    func run() throws {
        #if canImport(Glibc)
        // Sessions run on many threads; glibc would give up to 8 malloc arenas per core, each
        // holding freed memory of its own. Two keep fifty sessions' peak resident memory lower
        // (load.py part 1) at no measurable cost in speed.
        _ = glibcMallopt(-8 /* M_ARENA_MAX, malloc.h */, 2)
        #endif
        if let store, let key { return try serveHub(store, key) }
        let ledger = try options.open()
        let peers = try reporting { try ledger.log.peers() }
        try serve(SyncServer.Settings(identity: ledger.key, ledgerPath: ledger.databasePath),
                  what: ledger.folder, peers: peers.count, allowHint: "gloss peer allow KEY")
    }

    /// Listens with `settings` (this command's limits applied), prints the first lines
    /// (`Serving WHAT on HOST:PORT as KEY`, read by scripts and tests for the bound port, then
    /// how many peers are allowed), and serves until SIGINT or SIGTERM.
    func serve(_ base: SyncServer.Settings, what: String, peers: Int, allowHint: String, onStop: () -> Void = {}) throws {
        let logger = Logger(label: "gloss.serve")
        var settings = base
        settings.timeouts = SyncTimeouts(idle: .seconds(Int64(idleTimeout)))
        settings.maxSessions = maxSessions
        settings.maxPending = maxPending
        let server: SyncServer
        do { server = try SyncServer(host: listen.host, port: listen.port, settings: settings, logger: logger) }
        catch { throw CLIError("cannot listen on \(listen): \(error)", .peer) }
        let bound = server.localAddress?.port ?? listen.port
        let address = listen.host.contains(":") ? "[\(listen.host)]:\(bound)" : "\(listen.host):\(bound)"
        print("Serving \(what) on \(address) as \(settings.identity.publicKey.hex)")
        print(peers == 0 ? "No peer is allowed yet: \(allowHint)" : "\(peers) peer\(peers == 1 ? "" : "s") allowed")
        Console.flush()
        let signals = Signals { sig in
            logger.info("signal \(sig): stopping")
            server.stop()
        }
        server.wait()
        _ = signals
        onStop()
        logger.info("stopped")
    }
}

extension ServeCommand {
    /// Serves a hub: sessions against the PostgreSQL log (`HubSyncStore`), after checking the
    /// database holds this gloss's schema and the hub's key is `keyPath`'s.
    func serveHub(_ store: String, _ keyPath: String) throws {
        let url: HubURL
        do { url = try HubURL(store) } catch { throw CLIError(error.description, .usage) }
        guard FileManager.default.fileExists(atPath: keyPath) else {
            throw CLIError("the hub's key file \(keyPath) is missing: give the file `gloss hub init --key` made (every process of a hub presents that key)", .notFound)
        }
        let signing = try reporting { try KeyFile.read(keyPath) }
        let db = HubDatabase(url: url, connections: dbConnections, name: "gloss serve \(listen) pid \(getpid())")
        let hub = HubLog(db, projectsInBackground: true)
        try reportingHub { _ = try Blocking.run(timeout: .seconds(60)) {
            if let reason = await db.probe() { throw reason }
            return try await hub.checkReady(key: signing.publicKey)
        } }
        // Whatever the log holds that the projection does not yet (an upgrade, a crash).
        hub.projectSoon()
        let peers = (try? Blocking.run { try await hub.peers() }) ?? []
        try serve(SyncServer.Settings(identity: signing) { HubSyncStore(log: hub, own: signing.publicKey) },
                  what: "hub \(url)", peers: peers.count, allowHint: "gloss hub peer allow KEY --store URL",
                  onStop: { try? Blocking.run { await hub.stopProjecting(); await db.close() } })
    }
}

struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Bring this ledger and a peer's up to date with each other (pull and push).",
        discussion: Help.reflow("""
            The server's key must be on your allow-list, or given with --expect-key. Ends with a summary:
            events sent and received, what was already here, and the snapshot hash. With --watch the
            session stays open and new events (from any process) go both ways within a second; stop
            it with Ctrl-C.
            """))
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The peer's address, HOST:PORT.") var peer: Endpoint
    @Option(help: "The server's public key; the session is refused if it has another.") var expectKey: String?
    @Flag(help: "Stay connected and exchange new events as they appear.") var watch = false
    @Flag(help: "Print the summary as JSON (README §JSON output); failures are still errors.") var json = false
    @Option(help: "Seconds the peer may stay silent before the session is abandoned.") var idleTimeout = 30
    @Option(help: ArgumentHelp("How many times to try again when the server is busy (0: never).",
                               discussion: "The waits grow from about 0.5 s, doubling up to 30 s, with jitter.")) var retries = 8

    func validate() throws {
        guard retries >= 0 else { throw ValidationError("--retries \(retries): give 0 (never retry) or a positive number of retries") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout \(idleTimeout): give a number of seconds, at least 1") }
    }

    func run() throws {
        let ledger = try options.open()
        var expect: PublicKey?
        if let expectKey {
            guard let k = PublicKey(hex: expectKey) else { throw CLIError("--expect-key \(expectKey) is not a public key (64 hex digits, as `gloss whoami` prints)", .usage) }
            expect = k
        }
        let allowed = try reporting { try ledger.log.allowedKeys(own: ledger.key.publicKey) }
        var config = SyncSessionConfig(role: .client, identity: ledger.key, allowed: allowed, expectKey: expect, watch: watch)
        // Many authors: ask for range reconciliation, whose cost follows the differences.
        config.ranges = !RangeReconciler.prefersPlainFrontier(localCount: try reporting { try ledger.log.authorCount() })
        let progress = ProgressLine(enabled: isatty(2) == 1)
        let stop = StopSignal()
        let signals = Signals { _ in stop.fire() }
        let outcome: SessionOutcome
        do {
            let policy = RetryPolicy(retries: retries)
            outcome = try SyncClient.runRetrying(
                host: peer.host, port: peer.port, config: config, ledgerPath: ledger.databasePath,
                timeouts: SyncTimeouts(idle: .seconds(Int64(idleTimeout))), policy: policy,
                onProgress: { progress.update($0) },
                onRetry: { n, wait, o in
                    progress.clear()
                    let why = o.error?.code == .overloaded ? (o.error?.message ?? "the server is busy")
                        : "the server closed the connection during the handshake (it may be shedding connections under load)"
                    ProgressLine.toStandardError("\(why); retrying in \(String(format: "%.1f", wait)) s (retry \(n) of \(policy.retries))\n")
                }, stop: stop)
        } catch let e as ConnectFailure {
            throw CLIError("cannot connect: \(e)", .peer)
        } catch {
            throw CLIError("cannot connect to \(peer): \(error)", .peer)
        }
        _ = signals
        progress.clear()
        let s = outcome.stats
        if !json { for d in s.disagreements { print("disagreement: \(d)") } }
        for q in s.quarantined { ProgressLine.toStandardError("warning: quarantined event \(q): not sent (run `gloss verify`)\n") }
        if s.withheld > 0 { ProgressLine.toStandardError("warning: \(s.withheld) event\(s.withheld == 1 ? "" : "s") not sent because they depend on a quarantined or forked one\n") }
        if let e = outcome.error, !(watch && e.code == .shuttingDown) {
            if e.code == .overloaded {
                // A busy server wants more slots; a hub whose database is down wants its owner.
                let advice = "\(e)".contains("database") ? "or tell the server's owner its database cannot be reached" : "or ask the server's owner to raise --max-sessions"
                throw CLIError("sync with \(peer) failed: \(e); gave up after \(retries) retr\(retries == 1 ? "y" : "ies"): try again later (--retries N waits longer), \(advice)", .peer)
            }
            throw CLIError("sync with \(peer) failed: \(e)", e.code == .shuttingDown && !e.fromPeer ? .interrupted : .peer)
        }
        try? ledger.log.setSetting(KeyCommand.awaitingSync, "0")
        // Streamed from the projection: memory does not grow with the ledger.
        let snapshot = try reporting { try ledger.log.snapshotHash() }
        if json {
            JSONArrayWriter.one(.object([
                "peer": outcome.peer.map { .string($0.hex) } ?? .null, "address": .string("\(peer)"),
                "milliseconds": .int(Int64((outcome.seconds * 1000).rounded())),
                "sent": .int(Int64(s.eventsSent)), "received": .int(Int64(s.eventsReceived)), "stored": .int(Int64(s.eventsStored)),
                "alreadyHere": .int(Int64(s.alreadyHad)), "bytesOut": .int(Int64(s.bytesSent)), "bytesIn": .int(Int64(s.bytesReceived)),
                "snapshot": .string(snapshot.hex), "disagreements": .array(s.disagreements.map { .string($0) }),
                "forksRecorded": .array(s.forksRecorded.map { .string($0) }), "quarantined": .array(s.quarantined.map { .string($0) }),
                "withheld": .int(Int64(s.withheld)),
            ]))
        } else {
            printSummary(outcome, s, snapshot)
        }
        if !s.forksRecorded.isEmpty {
            if !json { for f in s.forksRecorded { print("fork recorded: \(f)") } }
            let n = s.forksRecorded.count
            throw CLIError("\(n == 1 ? "a fork was" : "\(n) forks were") found and recorded as evidence: an author wrote two different events at one seq (usually a key copied to a second device that wrote offline). Everything else was synced; that author's further events are refused. Run `gloss verify` to see the evidence", .found)
        }
    }

    private func printSummary(_ outcome: SessionOutcome, _ s: SyncStats, _ snapshot: Hash32) {
        print("Synced with \(outcome.peer?.raw.short(16) ?? "?") at \(peer) in \(String(format: "%.2f", outcome.seconds)) s")
        print("  sent \(s.eventsSent) event\(s.eventsSent == 1 ? "" : "s"), received \(s.eventsReceived) (\(s.eventsStored) new, \(s.alreadyHad) already here)")
        print("  \(s.bytesSent) bytes out, \(s.bytesReceived) bytes in")
        print("snapshot \(snapshot.hex)")
    }
}

/// The one-line progress display on a terminal: events, bytes, rate.
final class ProgressLine: Sendable {
    let enabled: Bool
    let start = DispatchTime.now()
    init(enabled: Bool) { self.enabled = enabled }
    func update(_ s: SyncStats) {
        guard enabled else { return }
        let t = max(0.001, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        let moved = s.eventsSent + s.eventsReceived
        Console.control("\r")
        Self.toStandardError("  ↑ \(s.eventsSent) ↓ \(s.eventsReceived) events  \((s.bytesSent + s.bytesReceived) / 1024) KiB  \(Int(Double(moved) / t)) events/s   ")
    }
    func clear() { if enabled { Console.control("\r\u{1B}[2K") } }
    /// A message on standard error (a peer's words included: neutralised).
    static func toStandardError(_ s: String) { Console.error(s) }
}

struct PeerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer", abstract: "The allow-list: peers that may sync with this ledger.",
        subcommands: [Allow.self, List.self, Remove.self])

    static func key(_ hex: String) throws -> PublicKey {
        guard let k = PublicKey(hex: hex) else { throw CLIError("\(hex) is not a public key: 64 hex digits, as the peer's `gloss whoami` prints", .usage) }
        return k
    }

    struct Allow: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allow a peer's key to sync with this ledger.")
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The peer's public key (its `gloss whoami`).") var key: String
        @Option(help: "A name to remember it by.") var name: String?
        func run() throws {
            let k = try PeerCommand.key(key)
            let ledger = try options.open()
            guard k != ledger.key.publicKey else { throw CLIError("that is this ledger's own key; allow the other peer's key") }
            let isNew = try reporting { try ledger.log.allowPeer(k, name: name ?? "") }
            print("\(isNew ? "Allowed" : "Already allowed; renamed") \(k.hex)\(name.map { " (\($0))" } ?? "")")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the allowed peers.")
        @OptionGroup var options: LedgerOptions
        @Flag(help: "Print JSON.") var json = false
        func run() throws {
            let peers = try reporting { try options.open().log.peers() }
            if json {
                var out = JSONArrayWriter()
                for p in peers { out.add(.object(["key": .string(p.key.hex), "name": .string(p.name)])) }
                out.finish()
                return
            }
            if peers.isEmpty { print("No peers allowed: gloss peer allow KEY [--name NAME]") }
            for p in peers { print("\(p.key.hex)  \(p.name)") }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a peer from the allow-list.")
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The peer's public key.") var key: String
        func run() throws {
            let k = try PeerCommand.key(key)
            guard try reporting({ try options.open().log.removePeer(k) }) else { throw CLIError("\(k.hex) is not on the allow-list; `gloss peer list` shows it", .notFound) }
            print("Removed \(k.hex)")
        }
    }
}

import ArgumentParser
import Foundation
import GlossCore
import GlossHub
import GlossReplay
import GlossStore
#if canImport(Glibc)
import Glibc
#endif

/// `gloss hub`: a hub for a whole organisation, its log in PostgreSQL, served by any number of
/// `gloss serve --store` processes at once.
struct HubCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub", abstract: "Set up and look after a hub: a log in PostgreSQL that several `gloss serve` processes share.",
        discussion: Help.reflow("""
            A hub is one always-on peer for a group: its events, allow-list and fork evidence live in a \
            PostgreSQL database, and any number of `gloss serve --store URL --key FILE` processes, on \
            one machine or several, serve it at once; a peer may sync with any of them and gets the \
            same answers. Start with `gloss hub init --store URL --key FILE`; README "Running a hub" \
            walks through it.

            URL is postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (?host=/socket/folder for a Unix \
            socket, ?sslmode=disable|prefer|require); it may also come from GLOSS_HUB, the password \
            from PGPASSWORD.
            """),
        subcommands: [Init.self, Status.self, Migrate.self, Verify.self, Snapshot.self, Frontier.self, Peer.self, Export.self])

    /// Where the hub is: --store, else GLOSS_HUB.
    struct StoreOptions: ParsableArguments {
        @Option(help: "The hub's database, postgres://USER@HOST:PORT/DATABASE (else GLOSS_HUB).") var store: String?

        func url() throws -> HubURL {
            guard let text = store ?? ProcessInfo.processInfo.environment["GLOSS_HUB"], !text.isEmpty else {
                throw CLIError("say which hub: --store postgres://USER@HOST:PORT/DATABASE (or set GLOSS_HUB)", .usage)
            }
            do { return try HubURL(text) } catch { throw CLIError(error.description, .usage) }
        }

        /// The hub's log, after checking it holds this gloss's schema; `body` runs with it and
        /// the pool is closed after.
        func withLog<T: Sendable>(checked: Bool = true, name: String = "gloss hub",
                                  _ body: @escaping @Sendable (HubLog) async throws -> T) throws -> T {
            let db = HubDatabase(url: try url(), connections: 4, name: name)
            let log = HubLog(db)
            let result = Result { try Blocking.run(timeout: .seconds(3600)) {
                do {
                    // A wrong password, a missing database, nothing listening: said at once.
                    if let reason = await db.probe() { throw reason }
                    if checked { try await log.checkReady() }
                    let r = try await body(log)
                    await db.close()
                    return r
                } catch {
                    await db.close()
                    throw error
                }
            } }
            return try reportingHub { try result.get() }
        }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create (or upgrade) the hub's tables in an existing PostgreSQL database.",
            discussion: Help.reflow("""
                The database must exist (`createdb`). Creates the key file when it is missing (mode \
                0600) and records its public key as the hub's: every serve process of the hub presents \
                it, and peers pin it with `gloss sync --expect-key`. Running it again is harmless; it \
                upgrades an older schema. Prints `Hub ready: schema N, key KEY`.
                """))
        @OptionGroup var store: StoreOptions
        @Option(help: "The hub's private key file (created when missing).") var key: String

        func run() throws {
            // A new key is written beside the path first and put in place only once the hub
            // has recorded it: a failed init leaves no key file behind, and never a hub whose
            // key was not saved.
            let signing: SigningKey
            let fresh = !FileManager.default.fileExists(atPath: key)
            let pending = key + ".new-\(getpid())"
            if fresh {
                signing = SigningKey()
                try reporting { try KeyFile.write(signing, to: pending) }
            } else {
                signing = try reporting { try KeyFile.read(key) }
            }
            let done: HubLog.Initialized
            do {
                done = try store.withLog(checked: false) { try await $0.initialize(key: signing.publicKey) }
            } catch {
                if fresh { unlink(pending) }
                throw error
            }
            if fresh && rename(pending, key) != 0 {
                throw CLIError("the hub now records key \(signing.publicKey.hex), but its key file could not be moved from \(pending) to \(key): move it by hand", .ledger)
            }
            switch done {
            case .created: print("Created the hub's tables in \(try store.url())")
            case .upgraded(let from): print("Upgraded the hub's tables from schema \(from)")
            case .unchanged: break
            }
            print("Hub ready: schema \(HubSchema.version), key \(signing.publicKey.hex)")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say whether the hub is healthy: reachable, its schema and triggers, what it holds, who serves it.",
            discussion: Help.reflow("""
                The health check for an operator or a monitor: exit 0 when the database answers, holds \
                this gloss's schema and every append-only trigger is in place; 74 otherwise, with the \
                reason on standard error.
                """))
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print the status as one JSON object.") var json = false

        func run() throws {
            let (key, counts, problems, serving, projection) = try store.withLog(checked: false) { log in
                (try await log.checkReady(), try await log.counts(), try await log.triggerProblems(), try await log.serveProcesses(),
                 try await log.projectionStatus())
            }
            // The projection covers what it covers when its maps are current; else it is rebuilt next.
            let projected = projection.current ? projection.projected : 0
            if json {
                JSONArrayWriter.one(.object([
                    "store": .string(try store.url().description), "schema": .int(Int64(HubSchema.version)), "key": .string(key.hex),
                    "events": .int(Int64(counts.events)), "authors": .int(Int64(counts.authors)), "forkedAuthors": .int(Int64(counts.forks)),
                    "projected": .int(Int64(projected)),
                    "triggers": .string(problems.isEmpty ? "ok" : "damaged"), "serving": .array(serving.map { .string($0) }),
                ]))
            } else {
                print("Hub \(try store.url()): schema \(HubSchema.version), key \(key.hex)")
                print("\(counts.events) events by \(counts.authors) authors; \(counts.forks) forked authors")
                print(projected == projection.logged ? "Projection: up to date (\(projected) events)"
                      : "Projection: \(projected) of \(projection.logged) events (serve processes catch it up after each append; `gloss hub snapshot` does too)")
                print(serving.isEmpty ? "No serve process is connected" : "Served by: \(serving.joined(separator: ", "))")
                print(problems.isEmpty ? "Append-only triggers: ok" : "Append-only triggers: DAMAGED")
            }
            if let first = problems.first { throw CLIError(first.description + " (run `gloss hub verify`)", .ledger) }
        }
    }

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a SQLite ledger's events into the hub, verify them, and compare the snapshots.",
            discussion: Help.reflow("""
                Every event is verified as a peer's would be; what the hub holds already is skipped, so \
                a migration cut short can simply be run again. The ledger is only read. Ends with both \
                snapshot hashes, which are equal when the hub holds exactly the ledger's events.
                """))
        @OptionGroup var store: StoreOptions
        @Argument(help: "The ledger folder to copy (as --ledger takes it).") var from: String

        func run() throws {
            guard FileManager.default.fileExists(atPath: from + "/" + Ledger.keyName) else {
                throw CLIError("no ledger at \(from): give the folder of a ledger (the one `gloss init` made, as --ledger takes it)", .notFound)
            }
            let ledger = try reporting { try Ledger.open(at: from) }
            let log = ledger.log
            // The ledger is read on this thread; the hub is written in the bridge's task.
            nonisolated(unsafe) let source = log
            let (moved, hubHash, problems) = try store.withLog { hub in
                let moved = try await hub.migrate(from: source)
                // From the projection, the rows a serve process keeps: the comparison checks them too.
                let hash = try await hub.writeProjectedSnapshot(to: { _ in }).hash
                return (moved, hash, try await hub.verify().problems)
            }
            let ledgerHash = try reporting { try log.snapshotHash() }
            print("Copied \(moved.new) events (\(moved.alreadyHad) already in the hub)")
            print("snapshot \(hubHash.hex) (hub)")
            print("snapshot \(ledgerHash.hex) (ledger)")
            if let p = problems.first { throw CLIError("the hub does not verify: \(p)", .ledger) }
            if hubHash != ledgerHash {
                print("The hub holds events the ledger does not (its snapshot differs); that is expected when peers already synced with it.")
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every event in the hub and its append-only triggers.",
            discussion: Help.reflow("""
                Each row's bytes against its id, signature and integrity tag; every chain; the tips \
                table; fork evidence (listed, as `gloss verify` lists it); every append-only \
                trigger present and enabled; and the projection (the state kept as rows) against a \
                replay of the whole log. Exit 0 when all is well, 1 with each problem on a `BAD` \
                line otherwise.
                """))
        @OptionGroup var store: StoreOptions

        func run() throws {
            let (count, problems) = try store.withLog { log in
                let (count, problems) = try await log.verify()
                return (count, problems + (try await log.projectionProblems()))
            }
            for p in problems { Console.data("BAD  \(p)\n") }
            if problems.isEmpty { print("ok: \(count) events verified; triggers in place; the projection matches the log") }
            else { throw CLIError("\(problems.count) problem\(problems.count == 1 ? "" : "s") found in \(count) events", .found) }
        }
    }

    struct Snapshot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the hub's state as canonical JSON, then `snapshot HASH` (as `gloss snapshot`).",
            discussion: Help.reflow("""
                Read from the projection, the state the hub keeps as rows in PostgreSQL, after \
                bringing it up to the log; one annotation at a time, so memory does not grow with the \
                hub. The hash is the one any ledger holding the same events prints. --rebuild first \
                recomputes every row from the log (what to do when `gloss hub verify` finds the \
                projection wrong).
                """))
        @OptionGroup var store: StoreOptions
        @Flag(help: "Recompute the projection from the whole log first.") var rebuild = false

        func run() throws {
            let rebuild = rebuild
            let hash = try store.withLog { log in
                if rebuild { try await log.invalidateProjection() }
                return try await log.writeProjectedSnapshot(to: { try FileSystem.writeAll(1, $0, "standard output") }).hash
            }
            try reporting { try FileSystem.writeAll(1, [10], "standard output") }
            print("snapshot \(hash.hex)")
        }
    }

    struct Frontier: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the hub's frontier (each author's newest event), as `gloss frontier`.")
        @OptionGroup var store: StoreOptions
        func run() throws {
            print(try store.withLog { try await $0.frontier() }.description)
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Write every event of the hub to a bundle file (as `gloss bundle export`).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The bundle file to write (refused when it exists).") var file: String
        func run() throws {
            guard !FileManager.default.fileExists(atPath: file) else { throw CLIError("\(file) exists already: give a new file name", .badInput) }
            let path = file
            let count = try store.withLog { log in
                let box = ByteSink()
                let n = try await log.exportBundle(to: { box.append($0) })
                try FileSystem.writeNew(path, box.bytes, mode: 0o644)
                return n
            }
            print("Wrote \(count) events to \(file)")
        }
    }

    struct Peer: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The hub's allow-list: the keys that may sync with it.",
                                                        subcommands: [Allow.self, List.self, Remove.self])
        struct Allow: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Let a key sync with the hub (and every device of its identity).")
            @OptionGroup var store: StoreOptions
            @Argument(help: "The peer's public key (its `gloss whoami`).") var key: String
            @Option(help: "A name to remember it by.") var name: String?
            func run() throws {
                guard let k = PublicKey(hex: key) else { throw CLIError("\(key) is not a public key (64 hex digits, as `gloss whoami` prints)", .usage) }
                let given = name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                let label = given.isEmpty ? String(k.hex.prefix(12)) : String(given.prefix(200))
                let new = try store.withLog(checked: false) { log in
                    guard try await log.checkReady() != k else {
                        throw HubError(.refused, "\(k.hex) is the hub's own key: a hub does not sync with itself; allow the peers' keys (their `gloss whoami`)")
                    }
                    return try await log.allow(k, name: label)
                }
                print(new ? "Allowed \(label) (\(k.hex))" : "Renamed \(k.hex) to \(label)")
            }
        }
        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the keys on the hub's allow-list.")
            @OptionGroup var store: StoreOptions
            func run() throws {
                for p in try store.withLog({ try await $0.peers() }) { print("\(p.key.hex)  \(p.name)") }
            }
        }
        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Take a key off the hub's allow-list.")
            @OptionGroup var store: StoreOptions
            @Argument(help: "The peer's public key.") var key: String
            func run() throws {
                guard let k = PublicKey(hex: key) else { throw CLIError("\(key) is not a public key (64 hex digits)", .usage) }
                guard try store.withLog({ try await $0.remove(k) }) else { throw CLIError("\(k.hex) is not on the hub's allow-list", .notFound) }
                print("Removed \(k.hex)")
            }
        }
    }
}

/// Bytes gathered from a sink called in a task. `@unchecked Sendable` is safe: one task
/// appends, and reads happen after it finished; the lock covers both anyway.
private final class ByteSink: @unchecked Sendable {
    private let lock = NSLock()
    private var data: [UInt8] = []
    func append(_ b: [UInt8]) { lock.lock(); data += b; lock.unlock() }
    var bytes: [UInt8] { lock.lock(); defer { lock.unlock() }; return data }
}

/// Runs `body`, turning a hub error into a CLI error with the right exit status.
func reportingHub<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as HubError {
        switch e.code {
        case .unavailable, .database, .appendOnly, .conflict: throw CLIError(e.message, .ledger)
        case .schema: throw CLIError(e.message, .ledger)
        case .refused: throw CLIError(e.message, .badInput)
        }
    } catch let e as HubURL.Invalid {
        throw CLIError(e.description, .usage)
    } catch {
        throw CLIError(error)
    }
}

import ArgumentParser
import GlossCore
import GlossReplay

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "List the events in the ledger, in the merge order (oldest first).")
    @OptionGroup var options: LedgerOptions
    @Option(help: "Show only the last N events.") var limit: Int?
    @Flag(help: "Print JSON: one object per event, streamed.") var json = false

    func run() throws {
        if !json { Console.page() }
        let ledger = try options.open()
        if json {
            var out = JSONArrayWriter()
            try reporting {
                try ledger.log.forEachLogEntry(last: limit.map { max(0, $0) }) { e in
                    out.add(.object(["id": .string(e.id.hex), "author": .string(e.author.hex), "seq": .int(Int64(e.seq)),
                                     "lamport": .int(Int64(e.lamport)), "kind": .string(PayloadKind.name(e.kind)), "time": .int(e.time)]))
                }
            }
            out.finish()
            return
        }
        print("id            author    seq  lamport  kind                 time")
        // Streamed in the total order: one row in memory at a time.
        try reporting {
            try ledger.log.forEachLogEntry(last: limit.map { max(0, $0) }) { e in
                print([e.id.short(), e.author.raw.short(8), pad(e.seq, 4), pad(e.lamport, 7),
                       PayloadKind.name(e.kind).padding(20), Format.time(e.time)].joined(separator: "  "))
            }
        }
    }

    private func pad(_ v: UInt64, _ n: Int) -> String {
        let s = String(v)
        return String(repeating: " ", count: max(0, n - s.count)) + s
    }
}

extension String {
    func padding(_ n: Int) -> String { self + String(repeating: " ", count: max(0, n - count)) }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-check every event and chain from the file; exit 1 naming each bad event.",
        discussion: "Checks each stored event from its bytes alone: canonical encoding, id, signature, each author's seq/prev chain, dependencies, the lamport rule, and that the log's append-only triggers are in place. Also lists events that are valid but have no effect under the merge rules, with the reason, and replays the whole log to check that the projection (the state commands read, kept in SQLite) agrees with it; one that does not is rebuilt.")
    @OptionGroup var options: LedgerOptions
    @Flag(help: "Print JSON: {ok, events, problems, ineffective, projection, snapshot}; the exit status is the same.") var json = false

    func run() throws {
        let ledger = try options.open()
        let problems = try reporting { try ledger.log.verifyAll() }
        func report(events: Int, ineffective: [(EventID, String)], projection: String, snapshot: Hash32?) {
            JSONArrayWriter.one(.object([
                "ok": .bool(problems.isEmpty && projection == "agrees"), "events": .int(Int64(events)),
                "problems": .array(problems.map { .string("\($0)") }),
                "ineffective": .array(ineffective.map { .object(["event": .string($0.0.hex), "reason": .string($0.1)]) }),
                "projection": .string(projection), "snapshot": snapshot.map { .string($0.hex) } ?? .null]))
        }
        if !json { for p in problems { print("BAD  \(p)") } }
        if problems.isEmpty {
            // Ineffective events come from a replay of the log itself (verify trusts no cache); the
            // projection, the state commands read, must agree with that replay.
            guard let replay = try reporting({ try ledger.log.replay(.all) }) else { throw CLIError("the log could not be replayed", .ledger) }
            let ineffective = replay.state.ineffective.sorted { $0.key < $1.key }
            if !json {
                for (id, reason) in ineffective { print("ineffective  event \(id.short()): \(reason)") }
            }
            let count = replay.count
            let replayed = try reporting { try replay.state.snapshotHash(heads: replay.heads, eventCount: count) }
            let projected = try reporting { try ledger.log.snapshotHash() }
            let projectedIneffective = try reporting { try ledger.log.ineffectiveEvents() }.map(\.event)
            guard replayed == projected, projectedIneffective == ineffective.map(\.key) else {
                if json {
                    _ = try reporting { try ledger.log.rebuildProjection() }
                    report(events: count, ineffective: ineffective.map { ($0.key, $0.value) }, projection: "rebuilt", snapshot: replayed)
                    throw ExitCode(ExitStatus.found.rawValue)
                }
                print("BAD  the projection (the state kept in SQLite) differs from a replay of the log: snapshot \(projected.hex), replay \(replayed.hex); rebuilt it from the log")
                _ = try reporting { try ledger.log.rebuildProjection() }
                throw ExitCode.failure
            }
            if json { return report(events: count, ineffective: ineffective.map { ($0.key, $0.value) }, projection: "agrees", snapshot: projected) }
            print("ok: \(count) events verified, \(ineffective.count) ineffective; the projection agrees with the log (snapshot \(projected.hex.prefix(16)))")
        } else {
            if json {
                report(events: 0, ineffective: [], projection: "not checked", snapshot: nil)
                throw ExitCode(ExitStatus.found.rawValue)
            }
            print("\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(ledger.databasePath)")
            throw ExitCode.failure
        }
    }
}

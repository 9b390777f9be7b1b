import Foundation
import GlossCore
import GlossReplay
import GlossStore
import GlossSync
import GlossTransport
import ServiceLifecycle
import Synchronization

/// "Sync now" from the page: one session at a time, run on a thread of its own (the client
/// blocks), its progress offered to open pages through the event stream, its summary the
/// answer. `serving`: the address of the sync server this process runs too (`--serve-sync`).
public final class WebSync: Sendable {
    struct Progress: Sendable { var version = 0; var stats = SyncStats(); var running = false }
    private let progress = Mutex(Progress())
    public let serving: String?

    public init(serving: String?) { self.serving = serving }

    /// The version of the progress now: a new event stream starts from it.
    var version: Int { progress.withLock { $0.version } }

    /// The progress since version `after`, when there is newer.
    func progress(after version: Int) -> (Int, JSON)? {
        progress.withLock { p in
            guard p.version != version else { return nil }
            return (p.version, .object(["sent": .int(Int64(p.stats.eventsSent)), "received": .int(Int64(p.stats.eventsReceived)),
                                        "bytesIn": .int(Int64(p.stats.bytesReceived)), "bytesOut": .int(Int64(p.stats.bytesSent)),
                                        "running": .bool(p.running)]))
        }
    }

    /// `HOST:PORT` (an IPv6 host in brackets), or a 400.
    static func address(_ s: String) throws(WebError) -> (host: String, port: Int) {
        guard let a = HostPort(s), a.port >= 1 else {
            throw WebError.badRequest("\(s.debugDescription) is not a peer address: give HOST:PORT, as gloss serve prints it")
        }
        return (a.host, a.port)
    }

    /// Runs one session with `address`; the summary as `gloss sync --json` gives it.
    func sync(_ addressText: String, ledger: WebLedger) async throws -> JSON {
        let (host, port) = try Self.address(addressText)
        let started = progress.withLock { p -> Bool in
            guard !p.running else { return false }
            p = Progress(version: p.version + 1, stats: SyncStats(), running: true)
            return true
        }
        guard started else { throw WebError.conflict("a sync is already running; wait for its summary") }
        defer { progress.withLock { $0.running = false; $0.version += 1 } }
        let (key, allowed, path, authors) = try await ledger.run { l in
            (l.key, try l.log.allowedKeys(own: l.key.publicKey), l.databasePath, try l.log.authorCount())
        }
        var settings = SyncSessionConfig(role: .client, identity: key, allowed: allowed, expectKey: nil, watch: false)
        settings.ranges = !RangeReconciler.prefersPlainFrontier(localCount: authors)
        let config = settings
        // The client blocks its thread; a shutdown (Ctrl-C) stops it at once rather than
        // waiting for the peer's timeout.
        let stop = StopSignal()
        let outcome: SessionOutcome = try await withGracefulShutdownHandler {
          try await withCheckedThrowingContinuation { c in
            Thread.detachNewThread {
                c.resume(with: Result {
                    do {
                        return try SyncClient.runRetrying(host: host, port: port, config: config, ledgerPath: path,
                                                          policy: RetryPolicy(retries: 3), onProgress: { [self] s in
                            self.progress.withLock { $0.stats = s; $0.version += 1 }
                        }, stop: stop)
                    } catch let e as ConnectFailure {
                        throw WebError(502, "cannot connect: \(e)")
                    }
                })
            }
          }
        } onGracefulShutdown: { stop.fire() }
        if let e = outcome.error { throw WebError(502, "sync with \(addressText) failed: \(e)") }
        let s = outcome.stats
        let snapshot = try await ledger.run { l in
            try? l.log.setSetting(Ledger.awaitingSyncSetting, "0")
            return try l.log.snapshotHash()
        }
        return .object([
            "peer": outcome.peer.map { .string($0.hex) } ?? .null, "address": .string(addressText),
            "milliseconds": .int(Int64((outcome.seconds * 1000).rounded())),
            "sent": .int(Int64(s.eventsSent)), "received": .int(Int64(s.eventsReceived)), "stored": .int(Int64(s.eventsStored)),
            "alreadyHere": .int(Int64(s.alreadyHad)), "snapshot": .string(snapshot.hex),
            "bytesOut": .int(Int64(s.bytesSent)), "bytesIn": .int(Int64(s.bytesReceived)),
            "disagreements": .array(s.disagreements.map { .string($0) }), "withheld": .int(Int64(s.withheld)),
            "forksRecorded": .array(s.forksRecorded.map { .string($0) }), "quarantined": .array(s.quarantined.map { .string($0) }),
        ])
    }

    func peers(_ l: Ledger) throws -> JSON {
        .object(["peers": .array(try l.log.peers().map { .object(["key": .string($0.key.hex), "name": .string($0.name)]) }),
                 "serving": serving.map { .string($0) } ?? .null])
    }
}

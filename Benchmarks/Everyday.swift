import Foundation
import GlossCore
import GlossStore
#if canImport(Glibc)
import Glibc
#endif

/// The commands a person runs every day, timed as real `gloss` processes on ledgers of several
/// sizes. Each ledger holds the same probe article with the same 50 annotations (comments,
/// tags, edits, replies) among many other articles, so the commands print the same things at
/// every size: how their time grows with the ledger is what is measured.
enum Everyday {
    struct Probe {
        let folder: String
        let article: String
        let annotation: String
        let events: Int
    }

    static let probeText = String(repeating: "The probe article: Putin ordered it; troops landed; “dozens” were killed, officials said. ", count: 30)

    /// Builds a ledger of about `n` events through the real append path (`appendOwn`, the path
    /// of `gloss annotate`, with the projection maintained), the probe article in its middle.
    static func build(at folder: String, n: Int) throws -> Probe {
        let ledger = try Ledger.create(at: folder)
        let log = ledger.log
        let keys = (0..<4).map { _ in SigningKey() }
        var t: Int64 = 0
        var made = 0
        var probe: (article: Hash32, annotation: EventID)?
        var filler = 0
        while made < n {
            if probe == nil && made >= n / 2 {
                probe = try addProbe(log, key: keys[0], time: &t)
                made += 111
                continue
            }
            // One filler article and up to 999 events on it, from four authors.
            filler += 1
            let text = "Filler article \(filler). " + String(repeating: "Some words of a filler article, number \(filler), to annotate. ", count: 20)
            let added = ArticleAdded(title: "Filler \(filler)", source: "bench:\(filler)", text: text)
            _ = try log.appendOwn(key: keys[filler % 4], payload: .articleAdded(added), time: t)
            made += 1
            let sel = try QuoteMatcher(text: ArticleText(text)).select(quote: "filler article, number \(filler)", occurrence: 1)
            let k = min(999, n - made)
            var created: [EventID] = []
            var i = 0
            while i < k {
                let key = keys[(filler + i / 250) % 4]
                let batch = min(250, k - i)
                let payloads: [Payload] = (0..<batch).map { j in
                    t += 1
                    let x = i + j
                    if created.isEmpty || x % 3 == 0 {
                        return .annotationCreated(AnnotationCreated(article: added.articleID, target: .text(sel), motivation: "commenting",
                                                                    body: "Filler note \(x) on article \(filler).", tags: ["filler", "t\(x % 7)"],
                                                                    editors: keys.map(\.publicKey).filter { $0 != key.publicKey }))
                    }
                    let target = created[x % created.count]
                    return x % 3 == 1 ? .bodyEdited(BodyEdited(annotation: target, pred: [], body: "Edited filler note \(x)."))
                                      : .tagsChanged(TagsChanged(annotation: target, add: ["e\(x % 5)"], remove: [], pred: []))
                }
                let events = try log.appendOwn(key: key, payloads: payloads, time: t)
                for (e, p) in zip(events, payloads) { if case .annotationCreated = p { created.append(e.id) } }
                i += batch
                made += batch
            }
        }
        if probe == nil { probe = try addProbe(log, key: keys[0], time: &t); made += 111 }
        return Probe(folder: folder, article: probe!.article.hex, annotation: probe!.annotation.hex, events: made)  // set just above
    }

    /// The probe: an article, 50 annotations each edited and tagged, 10 replies: 111 events.
    static func addProbe(_ log: EventLog, key: SigningKey, time t: inout Int64) throws -> (Hash32, EventID) {
        let added = ArticleAdded(title: "Probe", source: "bench:probe", text: probeText)
        _ = try log.appendOwn(key: key, payload: .articleAdded(added), time: t)
        let matcher = QuoteMatcher(text: ArticleText(probeText))
        let created = try log.appendOwn(key: key, payloads: try (0..<50).map { i in
            .annotationCreated(AnnotationCreated(article: added.articleID, target: .text(try matcher.select(quote: "troops landed", occurrence: i % 30 + 1)),
                                                 motivation: "commenting", body: "Probe note \(i)", tags: ["probe", "p\(i % 5)"]))
        }, time: t)
        _ = try log.appendOwn(key: key, payloads: created.map { .bodyEdited(BodyEdited(annotation: $0.id, pred: [$0.id], body: "Probe note, edited")) }, time: t + 1)
        _ = try log.appendOwn(key: key, payloads: created.prefix(10).map {
            .annotationCreated(AnnotationCreated(article: added.articleID, target: .reply(to: $0.id), motivation: "replying", body: "A reply", tags: []))
        }, time: t + 2)
        t += 3
        return (added.articleID, created[0].id)
    }

    /// Runs `gloss ARGS` `runs` times; the median wall time and the largest peak memory.
    static func measure(_ binary: String, _ probe: Probe, _ args: [String], runs: Int, tmp: String) throws -> (seconds: Double, rss: Int) {
        var times: [Double] = []
        var peak = 0
        let memFile = tmp + "/peak-\(getpid())"
        for _ in 0..<runs {
            unlink(memFile)
            var t = 0.0
            let status = try seconds2 { try run(binary, ["--ledger", probe.folder] + args, env: ["HOME": tmp, "PATH": "/usr/bin:/bin", "GLOSS_PEAK_MEMORY_FILE": memFile]) }
            t = status.seconds
            precondition(status.code == 0, "gloss \(args) failed")
            times.append(t)
            if let text = try? String(contentsOfFile: memFile, encoding: .utf8), let kib = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                peak = max(peak, kib * 1024)
            }
        }
        times.sort()
        return (times[times.count / 2], peak)
    }

    static func seconds2(_ body: () throws -> Int32) rethrows -> (seconds: Double, code: Int32) {
        let start = DispatchTime.now().uptimeNanoseconds
        let code = try body()
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, code)
    }

    /// Runs a process to its end, output discarded; its exit status.
    static func run(_ binary: String, _ args: [String], env: [String: String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([binary] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, binary, &actions, nil, argv, envp)
        guard rc == 0 else { throw NSError(domain: "spawn", code: Int(rc)) }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return (status >> 8) & 0xff
    }
}

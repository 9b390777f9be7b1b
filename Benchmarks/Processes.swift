import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `gloss` process. Its peak resident memory is read from /proc/PID/status (VmHWM)
/// while it runs: wait4's ru_maxrss would also count the benchmark's own memory, which a
/// spawned child inherits in its high-water mark until it execs.
final class GlossProcess {
    let pid: pid_t
    let stdoutPath: String

    init(_ binary: String, _ args: [String], env: [String: String], stdoutPath: String) throws {
        self.stdoutPath = stdoutPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stdoutPath + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([binary] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var p: pid_t = 0
        let rc = posix_spawn(&p, binary, &actions, nil, argv, envp)
        guard rc == 0 else { throw NSError(domain: "spawn", code: Int(rc)) }
        pid = p
    }

    /// Waits for the process, sampling its VmHWM every 10 ms; returns its exit status, peak
    /// resident memory in bytes, CPU time (user + system, its own threads) in seconds and bytes
    /// it wrote to storage.
    func wait() -> (status: Int32, maxRSS: Int, cpu: Double, written: Int) {
        var status: Int32 = 0
        var peak = 0
        var usage = rusage()
        while true {
            if let hwm = Self.highWaterMark(pid) { peak = max(peak, hwm) }
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            usleep(10_000)
        }
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return (status, peak, cpu, Int(usage.ru_oublock) * 512)
    }

    /// VmHWM of a live process, in bytes.
    static func highWaterMark(_ pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return kb * 1024
    }

    func signal(_ s: Int32) { kill(pid, s) }

    var output: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: stdoutPath + ".err", encoding: .utf8)) ?? "" }
}

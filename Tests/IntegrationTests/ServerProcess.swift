import Foundation
import Testing

/// A real `gloss serve` on 127.0.0.1 with a port the OS picks, stopped when released.
final class ServerProcess {
    let process = Process()
    let port: Int
    let key: String
    let errPath: String

    init(_ g: GlossRunner, extra: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: GlossRunner.binary)
        process.arguments = ["serve", "--listen", "127.0.0.1:0"] + extra
        process.environment = ["HOME": g.home, "GLOSS_LEDGER": g.ledger, "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        errPath = g.home + "/serve-\(UUID().uuidString).err"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // First line: "Serving FOLDER on 127.0.0.1:PORT as KEY" (or "Serving hub URL on …").
        var line = ""
        let deadline = Date().addingTimeInterval(20)
        while !line.contains("\n") && Date() < deadline {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            line += String(decoding: d, as: UTF8.self)
        }
        let first = line.split(separator: "\n").first.map(String.init) ?? ""
        guard let listening = first.range(of: " on 127.0.0.1:", options: .backwards),
              let on = first.range(of: "127.0.0.1:", range: listening.lowerBound..<first.endIndex),
              let asRange = first.range(of: " as ", range: on.upperBound..<first.endIndex) else {
            process.terminate()
            throw ServerStartError(output: first)
        }
        port = Int(first[on.upperBound..<asRange.lowerBound]) ?? 0
        key = String(first[asRange.upperBound...])
    }

    struct ServerStartError: Error { let output: String }

    var address: String { "127.0.0.1:\(port)" }
    var log: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    func kill9() { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }

    /// SIGTERM, as a person's Ctrl-C would; the server must be gone within 10 s.
    func stop() -> Bool {
        guard process.isRunning else { return true }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit(); return false }
        return true
    }

    deinit { _ = stop() }
}

extension GlossRunner {
    /// Starts `gloss args…` without waiting for it.
    func spawn(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = args
        p.environment = ["HOME": home, "GLOSS_LEDGER": ledger, "PATH": "/usr/bin:/bin"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    var publicKey: String { (try? run(["whoami"]).out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? "" }

    /// The last line of `gloss snapshot`: "snapshot HASH".
    func snapshotHash() throws -> String {
        String(try run(["snapshot"]).out.split(separator: "\n").last ?? "")
    }
}

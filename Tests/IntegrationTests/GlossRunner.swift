import Foundation
import Testing

/// Runs the real `gloss` binary, as a person would, in a temporary home with its own ledger.
final class GlossRunner {
    struct Result {
        let status: Int32
        let out: String
        let err: String
        var ok: Bool { status == 0 }
    }

    let home: String
    var ledger: String

    init() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-it-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        ledger = home + "/ledger"
    }
    deinit { try? FileManager.default.removeItem(atPath: home) }

    /// `n` initialised ledgers that all allow each other.
    static func peers(_ n: Int = 2) throws -> [GlossRunner] {
        let gs = try (0..<n).map { _ in try GlossRunner() }
        for g in gs { try g.ok("init") }
        for a in gs { for b in gs where a !== b { try a.ok("peer", "allow", b.publicKey) } }
        return gs
    }

    /// The binary built beside the test bundle (or $GLOSS_BIN).
    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["GLOSS_BIN"] { return b }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gloss").path
    }

    /// Runs `gloss args…` with GLOSS_LEDGER set to this runner's ledger; at most 60 s.
    @discardableResult
    func run(_ args: [String], env: [String: String] = [:], useLedgerEnv: Bool = true, input: [UInt8]? = nil,
             binary: String = GlossRunner.binary) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        var e = ["HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        if useLedgerEnv { e["GLOSS_LEDGER"] = ledger }
        for (k, v) in env { e[k] = v }
        p.environment = e
        let outURL = URL(fileURLWithPath: home + "/.out-\(UUID().uuidString)")
        let errURL = URL(fileURLWithPath: home + "/.err-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
              FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        if let input {
            let inURL = URL(fileURLWithPath: home + "/.in-\(UUID().uuidString)")
            try Data(input).write(to: inURL)
            p.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            p.standardInput = FileHandle.nullDevice
        }
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning {
            if Date() > deadline { p.terminate(); Issue.record("gloss \(args) ran over 60 s"); break }
            usleep(5_000)
        }
        p.waitUntilExit()
        try out.close(); try err.close()
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        return Result(status: p.terminationStatus,
                      out: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      err: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Runs and requires success, returning standard output.
    @discardableResult
    func ok(_ args: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let r = try run(args)
        #expect(r.ok, "gloss \(args.joined(separator: " ")) failed: \(r.err)", sourceLocation: sourceLocation)
        return r.out
    }

    /// Runs a command that must fail, and checks that the ledger did not change.
    func fails(_ args: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        let before = try fingerprint()
        let r = try run(args)
        #expect(r.status != 0, "gloss \(args.joined(separator: " ")) should have failed", sourceLocation: sourceLocation)
        #expect(r.err.contains("Error:"), "a failure says why on stderr: \(r.err)", sourceLocation: sourceLocation)
        #expect(try fingerprint() == before, "a failed command must leave the ledger as it was", sourceLocation: sourceLocation)
        return r
    }

    /// Everything the ledger holds, as `gloss log` and `gloss list --all --json` see it.
    func fingerprint() throws -> String {
        guard FileManager.default.fileExists(atPath: ledger + "/ledger.sqlite") else { return "no ledger" }
        return try run(["log"]).out + (try run(["list", "--all", "--json"]).out)
    }

    static var seedPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("seeds/000_250678edc94afa10.txt").path
    }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = home + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The first column of the first line of `gloss <args>`: an id.
    func firstID(_ args: String...) throws -> String {
        String(try run(args).out.split(separator: "\n").first?.split(separator: " ").first ?? "")
    }
}

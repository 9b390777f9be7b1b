import ArgumentParser
import GlossStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--ledger`, shared by every command, and where the ledger is when it is not given.
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The ledger folder.",
        discussion: "Default: $GLOSS_LEDGER, else $XDG_DATA_HOME/gloss, else ~/.local/share/gloss.",
        valueName: "path"))
    var ledger: String?

    /// The folder to use, and how it was chosen (for messages).
    var folder: String {
        if let ledger { return ledger }
        if let env = Environment.get("GLOSS_LEDGER"), !env.isEmpty { return env }
        if let xdg = Environment.get("XDG_DATA_HOME"), !xdg.isEmpty { return xdg + "/gloss" }
        return (Environment.get("HOME") ?? ".") + "/.local/share/gloss"
    }

    func open() throws -> Ledger {
        do {
            return try Ledger.open(at: folder) { events, rebuild in
                // Opening costs nothing that grows with the ledger, except once after an upgrade of
                // gloss (the state is rebuilt from the log): say why this time it waits.
                guard events >= 20_000 else { return }
                let what = rebuild ? "Building this ledger's state from its \(events) events (once, after an upgrade of gloss)…"
                                   : "Bringing this ledger's state up to date with \(events) events…"
                Console.error(what + "\n")
            }
        } catch { throw CLIError(error) }
    }
}

enum Environment {
    static func get(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        return String(cString: p)
    }
}

import ArgumentParser
import GlossCore
import GlossStore
import GlossSync
#if canImport(Glibc)
import Glibc
#endif

/// The `gloss` command: annotate articles offline in a signed, append-only ledger.
@main
struct Gloss: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gloss",
        abstract: "Annotate articles offline in a signed, append-only ledger.",
        discussion: Help.reflow("""
            Every change is an event signed with your Ed25519 key and appended to a SQLite log
            that is never rewritten. Start with `gloss init`, add an article with
            `gloss article add FILE`, then `gloss annotate`.

            Ids (of articles and annotations) can be shortened to any unique prefix, as with git.

            Where the ledger lives: --ledger PATH, else the GLOSS_LEDGER environment variable,
            else $XDG_DATA_HOME/gloss, else ~/.local/share/gloss.
            """) + "\n\nExit status:\n" + ExitStatus.allCases.map { "  \($0.rawValue)\t\($0.meaning)" }.joined(separator: "\n"),
        version: "gloss \(Gloss.version) (event format \(EventLimits.version), sync protocol \(SyncLimits.version); SQLite \(SQLiteLibrary.version), \(CryptoLibrary.version))",
        subcommands: [
            InitCommand.self, WhoamiCommand.self, ArticleCommand.self,
            AnnotateCommand.self, ReplyCommand.self, EditCommand.self, TagCommand.self,
            DeleteCommand.self, RestoreCommand.self, EraseCommand.self,
            ListCommand.self, ShowCommand.self, HistoryCommand.self, SearchCommand.self,
            ReadCommand.self, ExportCommand.self, ReanchorCommand.self, WebCommand.self,
            SnapshotCommand.self, ImportCommand.self, BundleCommand.self, FrontierCommand.self,
            ServeCommand.self, SyncCommand.self, HubCommand.self, PeerCommand.self, DeviceCommand.self, KeyCommand.self,
            LogCommand.self, VerifyCommand.self,
        ]
    )

    /// This release of gloss.
    static let version = "0.3.0"

    /// Accepts `--ledger PATH` before the command too (`gloss --ledger L list`), as git takes -C.
    static func main() {
        PeakMemory.reportAtExit()
        var args = Array(CommandLine.arguments.dropFirst())
        var moved: [String] = []
        // `gloss --no-pager COMMAND`, as git takes it.
        if args.first == "--no-pager" { args.removeFirst(); Console.pagerAllowed = false }
        while let first = args.first, first.hasPrefix("--ledger") {
            if first == "--ledger", args.count >= 2 { moved += args.prefix(2); args.removeFirst(2) }
            else if first.hasPrefix("--ledger=") { moved.append(first); args.removeFirst() }
            else { break }
        }
        do {
            var command = try parseAsRoot(args + moved)
            try command.run()
        } catch {
            // ArgumentParser's own `main` would print the message raw; it can quote a peer's
            // words or the input, so it goes through the neutralising console too.
            // The status of a Gloss error is decided by `ExitStatus`; ArgumentParser's own
            // (usage 64, help 0) pass through.
            let code = (error as? CLIError).map { ExitCode($0.status.rawValue) } ?? exitCode(for: error)
            var message = fullMessage(for: error)
            // A command line ArgumentParser refused: say which word is unknown, and the near one.
            if !(error is CLIError), code != .success, let unknown = Suggestion.unknownWord(in: args + moved) {
                message = "Error: \(unknown)"
            }
            if !message.isEmpty {
                if code == .success { print(message) } else { Console.error(message + "\n") }
            }
            Console.flush()
            Glibc.exit(code.rawValue)
        }
    }
}

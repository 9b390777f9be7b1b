import ArgumentParser
import Dispatch
import Foundation
import GlossStore
import GlossTransport
import GlossWeb
import Logging
import Synchronization

struct WebCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web", abstract: "Read and annotate in your browser: a local app over this ledger.",
        discussion: Help.reflow("""
            Serves the app on loopback and prints the URL to open, with a secret that changes at \
            every start (the browser keeps it in a cookie; any request without it is refused). \
            Select text to highlight or comment on it; open pages follow the ledger live, whatever \
            changes it (another tab, `gloss sync`, a peer). Everything is built into gloss: no \
            network is needed. Ctrl-C stops it.

            The JSON API the app uses (README, gloss web) takes the same cookie, for scripts.
            """))
    @OptionGroup var options: LedgerOptions
    @Option(help: "Address to listen on (port 0: the OS picks one). Keep it on loopback: anyone who can reach it and has the URL can write in your name.")
    var listen = Endpoint(argument: "127.0.0.1:0")!
    @Flag(help: "Do not try to open a browser; only print the URL.") var noOpen = false
    @Option(help: "Also accept peers at this address, in this process (as `gloss serve --listen`).") var serveSync: Endpoint?
    @Flag(help: "No access log on standard error (one line per request otherwise).") var quiet = false

    func run() throws {
        let ledger = try options.open()
        // The access log: one line per request on standard error (`--quiet`: errors only).
        var logger = Logger(label: "gloss.web")
        logger.logLevel = quiet ? .warning : .info
        if !["127.0.0.1", "::1", "localhost"].contains(listen.host) {
            Console.error("warning: \(listen.host) is not a loopback address: other machines can reach the app (by this machine's IP address), and the URL's key, sent in clear over HTTP, is all that protects it\n")
        }
        var syncServer: SyncServer?
        if let serveSync {
            var settings = SyncServer.Settings(identity: ledger.key, ledgerPath: ledger.databasePath)
            settings.timeouts = SyncTimeouts()
            do { syncServer = try SyncServer(host: serveSync.host, port: serveSync.port, settings: settings, logger: Logger(label: "gloss.serve")) }
            catch { throw CLIError("cannot listen for peers on \(serveSync): \(error)", .peer) }
        }
        let serving = syncServer.map { s in
            let port = s.localAddress?.port ?? serveSync?.port ?? 0
            return serveSync.map { $0.host.contains(":") ? "[\($0.host)]:\(port)" : "\($0.host):\(port)" } ?? ""
        }
        let server = WebServer(ledger: WebLedger(ledger), sync: WebSync(serving: serving), host: listen.host, port: listen.port,
                               secret: WebServer.newSecret(), logger: logger)
        let open = !noOpen, folder = ledger.folder, key = ledger.key.publicKey.hex
        let failure = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                try await server.run { port in
                    // Bound to every address, the loopback one is the one to print.
                    let shown = ["0.0.0.0", "::"].contains(listen.host) ? "127.0.0.1" : listen.host
                    let host = shown.contains(":") ? "[\(shown)]" : shown
                    let url = "http://\(host):\(port)/?key=\(server.secret)"
                    print("Gloss web for \(folder) is at \(url)")
                    if let serving { print("Serving peers on \(serving) as \(key)") }
                    print("Open it in your browser (keep the URL to yourself: it lets its holder write in your name). Ctrl-C stops.")
                    Console.flush()
                    if open { Self.openBrowser(url) }
                }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
            done.signal()
        }
        done.wait()
        syncServer?.stop()
        if let f = failure.withLock({ $0 }) {
            if f.contains("Address already in use") {
                throw CLIError("cannot listen on \(listen): the port is in use; choose another, or port 0 to let the OS pick (--listen 127.0.0.1:0)", .peer)
            }
            throw CLIError("gloss web stopped: \(f)", .peer)
        }
    }

    /// Asks the desktop to open `url` (xdg-open), quietly doing nothing where there is none.
    static func openBrowser(_ url: String) {
        let candidates = ["/usr/bin/xdg-open", "/usr/local/bin/xdg-open", "/usr/bin/open"]
        guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = [url]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try? p.run()
    }
}

import GlossCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Everything the CLI prints is text it may not have written: a comment, a title, a tag or a
// peer's error message can hold escape sequences and bidirectional overrides. This module's
// `print` therefore shadows the standard library's: every line it writes goes through
// `TerminalText.neutralised`, whatever the command and the colour setting, so a print added
// later is safe without anyone remembering to be careful. Output that carries Gloss's own
// colours goes through `Console.styled` instead, which lets only SGR colour sequences through
// (their text neutralised where it was rendered). Errors take the same road (`Gloss.main`).

/// The CLI's `print`: standard output, every control and bidirectional formatting character
/// shown as visible text (newlines and tabs kept).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { "\($0)" }.joined(separator: separator)
    Console.write(1, TerminalText.neutralised(text) + terminator)
}

/// Where the CLI's text goes.
enum Console {
    /// Whether standard output is a terminal (colours, the progress line).
    static let outputIsTerminal = isatty(1) == 1

    /// Colour on standard output: a terminal, and no `NO_COLOR` in the environment (no-color.org).
    static var colourOnStandardOutput: Bool {
        outputIsTerminal && (Environment.get("NO_COLOR") ?? "").isEmpty
    }

    /// Standard output, buffered as stdio would (a line at a time on a terminal, 64 KiB to a
    /// pipe or file), flushed before anything goes to standard error and at exit.
    private static let buffer = Mutex<[UInt8]>([])
    private static let flushAtExit: Void = { atexit { Console.flush() } }()

    /// Gloss's own rendering with its colours (`gloss read`): SGR sequences pass, any other
    /// control is neutralised.
    static func styled(_ text: String) {
        write(1, TerminalText.keepingColours(text))
    }

    /// A message on standard error, neutralised.
    static func error(_ text: String) {
        write(2, TerminalText.neutralised(text))
    }

    /// Bytes Gloss itself chose (the progress line's carriage return and erase), unchanged.
    static func control(_ text: String) {
        write(2, text)
    }

    /// Data written as it is stored, when it is not going to a terminal (`article show > FILE`
    /// must give back the exact text); neutralised on a terminal.
    static func data(_ text: String) {
        write(1, outputIsTerminal ? TerminalText.neutralised(text) : text)
    }

    // MARK: The pager

    /// Whether `page()` may start a pager (`gloss --no-pager …` turns it off).
    /// `nonisolated(unsafe)` is safe: written once by `Gloss.main` on the main thread before any
    /// command runs or any other thread starts.
    nonisolated(unsafe) static var pagerAllowed = true
    /// The pager's process. `nonisolated(unsafe)` is safe: written once by `page()`, called on the
    /// main thread at the start of a command before it starts any thread, and read at exit.
    nonisolated(unsafe) private static var pagerPID: pid_t = 0

    /// Long output on a terminal goes through a pager, as git's does: `$GLOSS_PAGER`, else
    /// `$PAGER`, else `less` (with `LESS=FRX` unless set: it quits at once when the text fits
    /// the screen, and keeps colours). Not with `--no-pager`, not when standard output is not a
    /// terminal, and not when the pager is `cat`, empty or not installed. Call before printing.
    static func page() {
        guard pagerAllowed, outputIsTerminal, pagerPID == 0 else { return }
        _ = colourOnStandardOutput  // decided on the terminal, before standard output becomes a pipe
        let command = [Environment.get("GLOSS_PAGER"), Environment.get("PAGER")].compactMap { $0 }.first ?? "less"
        let program = command.split(separator: " ").first.map(String.init) ?? ""
        guard !program.isEmpty, program != "cat", which(program) != nil else { return }
        if Environment.get("LESS") == nil { setenv("LESS", "FRX", 1) }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addclose(&actions, fds[1])
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ) == 0 else { close(fds[0]); close(fds[1]); return }
        close(fds[0])
        dup2(fds[1], 1)
        close(fds[1])
        signal(SIGPIPE, SIG_IGN)  // quitting the pager early ends the output, not gloss with a signal
        pagerPID = pid
        atexit {
            Console.flush()
            close(1)
            var status: Int32 = 0
            while waitpid(Console.pagerPID, &status, 0) < 0 && errno == EINTR {}
        }
    }

    /// The full path of `program` on `$PATH`, or nil.
    private static func which(_ program: String) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        for dir in (Environment.get("PATH") ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(program)"
            if access(p, X_OK) == 0 { return p }
        }
        return nil
    }

    static func write(_ fd: Int32, _ text: String) {
        if fd == 1 {
            _ = flushAtExit
            let full = buffer.withLock { b -> Bool in
                b.append(contentsOf: text.utf8)
                return b.count >= 1 << 16 || outputIsTerminal
            }
            if full { flush() }
            return
        }
        flush()
        writeAll(fd, Array(text.utf8)[...])
    }

    /// Writes what standard output holds.
    static func flush() {
        let pending = buffer.withLock { b -> [UInt8] in defer { b = [] }; return b }
        writeAll(1, pending[...])
    }

    private static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) {
        var bytes = bytes
        while !bytes.isEmpty {
            #if canImport(Glibc)
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            #else
            let n = bytes.withUnsafeBytes { Darwin.write(fd, $0.baseAddress, $0.count) }
            #endif
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }  // a closed pipe (`gloss log | head`): stop quietly
            bytes = bytes.dropFirst(n)
        }
    }
}

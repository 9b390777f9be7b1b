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

#if canImport(Glibc)
import Glibc
#endif

/// A comment typed on the command line. A comment of white space alone would show as an empty
/// note, so it is refused (an empty `gloss edit --comment ""` still clears one).
enum CommentText {
    /// `text`, unless it is white space alone (or empty, when `allowEmpty` is false).
    static func check(_ text: String, allowEmpty: Bool = false, hint: String) throws -> String {
        if text.isEmpty && !allowEmpty { throw CLIError("the comment is empty: \(hint)") }
        if !text.isEmpty && text.allSatisfy(\.isWhitespace) { throw CLIError("the comment is only white space: \(hint)") }
        return text
    }

    /// `--comment -`: the comment is standard input (one trailing newline dropped).
    static func resolve(_ comment: String?) throws -> String? {
        guard comment == "-" else { return comment }
        let bytes = try readInput("-", limit: 1 << 20)
        guard var text = String(validating: bytes, as: UTF8.self) else {
            throw CLIError("the comment on standard input is not UTF-8 text")
        }
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// A comment written in the user's editor (`$VISUAL`, `$EDITOR`, else `vi`), as `git commit`
    /// does, when none was given and standard input and output are a terminal. Lines starting
    /// with `#` are dropped; an empty result writes nothing.
    /// Standard input and output are a terminal: a person can write in an editor.
    static var canAskEditor: Bool { isatty(0) == 1 && Console.outputIsTerminal }

    static func fromEditor(about what: String, initial: String = "") throws -> String {
        guard canAskEditor else {
            throw CLIError("give the text with --comment TEXT (or --comment - to read it from standard input)", .usage)
        }
        let editor = [Environment.get("VISUAL"), Environment.get("EDITOR")].compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
        let template = Array("\(initial)\n# Write \(what) above. Lines starting with # are left out; an empty text writes nothing.\n".utf8)
        let tmp = Environment.get("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var path = Array("\(tmp)/gloss-comment-XXXXXX".utf8CString)
        let fd = path.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }  // mode 0600
        guard fd >= 0 else { throw CLIError("cannot create a temporary file for the editor: \(String(cString: strerror(errno)))", .ledger) }
        let file = String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(file) }
        _ = template.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        Console.flush()
        // The editor command may hold arguments (`code --wait`): the shell splits it.
        let status = system("\(editor) \"\(file)\"")
        guard status == 0 else { throw CLIError("the editor (\(editor)) exited with status \(status): nothing was written", .badInput) }
        guard let text = String(validating: try readInput(file, limit: 1 << 20), as: UTF8.self) else {
            throw CLIError("the text from the editor is not UTF-8: nothing was written")
        }
        let kept = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#") }.joined(separator: "\n")
        let trimmed = String(kept.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        guard !trimmed.isEmpty else { throw CLIError("the text is empty: nothing was written", .badInput) }
        return trimmed
    }
}

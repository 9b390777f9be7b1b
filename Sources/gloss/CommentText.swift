/// A comment typed on the command line. A comment of white space alone would show as an empty
/// note, so it is refused (an empty `gloss edit --comment ""` still clears one).
enum CommentText {
    /// `text`, unless it is white space alone (or empty, when `allowEmpty` is false).
    static func check(_ text: String, allowEmpty: Bool = false, hint: String) throws -> String {
        if text.isEmpty && !allowEmpty { throw CLIError("the comment is empty: \(hint)") }
        if !text.isEmpty && text.allSatisfy(\.isWhitespace) { throw CLIError("the comment is only white space: \(hint)") }
        return text
    }
}

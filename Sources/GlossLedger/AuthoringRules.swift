/// What a person may write, the same for the command line and the web app: the motivations
/// accepted, and the title an article gets when none is given.
public enum AuthoringRules {
    /// The W3C Web Annotation motivations.
    public static let motivations = ["assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
                                     "highlighting", "identifying", "linking", "moderating", "questioning", "replying", "tagging"]

    /// An article's default title: its first non-blank line, at most 200 characters, stored as
    /// written (shown neutralised).
    public static func defaultTitle(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first { !$0.allSatisfy(\.isWhitespace) } ?? ""
        return line.count <= 200 ? String(line) : String(line.prefix(199)) + "…"
    }
}

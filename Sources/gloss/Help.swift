/// Help text as it is written in the source (at any width) turned into what ArgumentParser
/// wraps well: the lines of a paragraph joined with spaces, so the terminal's width decides
/// where lines break, never the source's. A blank line separates paragraphs; a line that starts
/// with a space or "- " (an example or a step) keeps its own line.
enum Help {
    static func reflow(_ text: String) -> String {
        var out: [String] = []
        var joining = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let keepsItsLine = line.hasPrefix(" ") || line.hasPrefix("- ")
            if line.isEmpty {
                out.append("")
                joining = false
            } else if joining && !keepsItsLine, let last = out.popLast() {
                out.append(last + " " + line)
            } else {
                out.append(line)
                joining = !keepsItsLine
            }
        }
        return out.joined(separator: "\n")
    }
}

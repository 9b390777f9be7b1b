import ArgumentParser

/// "Did you mean …?" for a mistyped command or option (`gloss lsit`, `--qoute`), as git does.
/// Asked only when ArgumentParser has refused the command line, so an option's value that
/// happens to start with `--` is never taken for an option.
enum Suggestion {
    /// The message for the first unknown subcommand or option of `args`, or nil.
    static func unknownWord(in args: [String]) -> String? {
        var command: ParsableCommand.Type = Gloss.self
        var path = ["gloss"]
        var rest = args[...]
        // The subcommand path.
        while let word = rest.first, !word.hasPrefix("-") {
            let subs = command.configuration.subcommands
            guard !subs.isEmpty else { break }
            if let sub = subs.first(where: { $0._commandName == word }) {
                command = sub; path.append(word); rest = rest.dropFirst(); continue
            }
            if word == "help" { return nil }
            let names = subs.map { $0._commandName }
            let near = closest(word, among: names)
            return "unknown command '\(word)' for \(path.joined(separator: " "))" + (near.map { "; did you mean '\($0)'?" } ?? "; see '\(path.joined(separator: " ")) --help'")
        }
        let known = options(of: command)
        for word in rest where word.hasPrefix("--") && word != "--" {
            let name = String(word.split(separator: "=", maxSplits: 1).first ?? "")
            guard !known.contains(name) else { continue }
            let near = closest(name, among: Array(known))
            return "unknown option '\(name)' for \(path.joined(separator: " "))" + (near.map { "; did you mean '\($0)'?" } ?? "; see '\(path.joined(separator: " ")) --help'")
        }
        return nil
    }

    /// The long options a command's help lists.
    static func options(of command: ParsableCommand.Type) -> Set<String> {
        let help = Gloss.helpMessage(for: command, columns: 1000)
        var out: Set<String> = ["--help"]
        var word = ""
        for c in help + " " {
            if c.isLetter || c.isNumber || c == "-" { word.append(c); continue }
            if word.hasPrefix("--"), word.count > 2 { out.insert(word) }
            word = ""
        }
        return out
    }

    /// The candidate nearest to `word` (edit distance at most a third of its length, and 2), or nil.
    static func closest(_ word: String, among candidates: [String]) -> String? {
        let limit = max(1, min(2, word.count / 3))
        let scored = candidates.map { ($0, distance(Array(word), Array($0))) }.filter { $0.1 <= limit }
        return scored.min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
    }

    /// Edit distance with transpositions (optimal string alignment).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}

import ArgumentParser
import GlossCore
import GlossReplay

struct ReplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply", abstract: "Reply to an annotation (anyone may).")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The annotation to reply to (a unique id prefix).") var annotation: String
    @Option(help: "Your reply (- reads it from standard input; left out on a terminal, $EDITOR opens).") var comment: String?
    @Option(name: .customLong("tag"), help: "A tag (repeatable).") var tags: [String] = []

    func run() throws {
        let ctx = try Context(options)
        let parent = try ctx.annotation(annotation)
        let written = try CommentText.resolve(comment) ?? CommentText.fromEditor(about: "your reply to \(parent.id.short())")
        let body = try CommentText.check(written, hint: "say something with --comment")
        let reply = AnnotationCreated(article: parent.article, target: .reply(to: parent.id),
                                      motivation: "replying", body: body, tags: tags)
        let e = try ctx.append([.annotationCreated(reply)])[0]
        print("Replied \(e.id.short()) to \(parent.id.short())")
    }
}

struct EditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit", abstract: "Change an annotation's comment or motivation.",
        discussion: "Editing resolves a conflict: the new comment replaces every concurrent version shown by `gloss show`. With neither --comment nor --motivation, on a terminal, your editor ($VISUAL, $EDITOR) opens on the current comment, as `git commit --amend` does.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The annotation (a unique id prefix).") var annotation: String
    @Option(help: "The new comment (- reads it from standard input).") var comment: String?
    @Option(help: "The new W3C motivation.") var motivation: String?

    func run() throws {
        let ctx = try Context(options)
        var comment = try CommentText.resolve(self.comment)
        if comment == nil && motivation == nil {
            guard CommentText.canAskEditor else {
                throw CLIError("say what to change: --comment TEXT (or - for standard input) and/or --motivation NAME", .usage)
            }
            let current = try ctx.annotation(annotation)
            comment = try CommentText.fromEditor(about: "the new comment of \(current.id.short())", initial: current.body)
        }
        if let comment { _ = try CommentText.check(comment, allowEmpty: true, hint: "write the new comment with --comment, or --comment \"\" to clear it") }
        let a = try ctx.annotation(annotation)
        try ctx.requireMayChange(a)
        var payloads: [Payload] = []
        if let comment, comment != a.body || a.hasConflict {
            let heads = try reporting { try ctx.log.heads(of: a.id, .body) }
            payloads.append(.bodyEdited(BodyEdited(annotation: a.id, pred: heads, body: comment)))
        }
        if let motivation, motivation != a.motivation || !a.motivationConflicts.isEmpty {
            let heads = try reporting { try ctx.log.heads(of: a.id, .motivation) }
            payloads.append(.motivationChanged(MotivationChanged(annotation: a.id, pred: heads, motivation: try Motivation.check(motivation))))
        }
        guard !payloads.isEmpty else { print("Nothing to change: \(a.id.short()) already says that."); return }
        try ctx.append(payloads)
        print("Edited \(a.id.short())")
    }
}

struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag", abstract: "Add or remove tags on an annotation.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The annotation (a unique id prefix).") var annotation: String
    @Option(help: "A tag to add (repeatable).") var add: [String] = []
    @Option(help: "A tag to remove (repeatable).") var remove: [String] = []

    func validate() throws {
        if add.isEmpty && remove.isEmpty { throw ValidationError("say what to do: --add TAG and/or --remove TAG") }
        if !Set(add).isDisjoint(with: remove) { throw ValidationError("a tag cannot be added and removed at once") }
    }

    func run() throws {
        let ctx = try Context(options)
        let a = try ctx.annotation(annotation)
        try ctx.requireMayChange(a)
        let present = Set(a.tags)
        if let missing = remove.first(where: { !present.contains($0) }) {
            throw CLIError("\(a.id.short()) is not tagged \"\(missing)\"; its tags: \(present.isEmpty ? "none" : Format.tags(a.tags))")
        }
        let newTags = add.filter { !present.contains($0) }
        guard !newTags.isEmpty || !remove.isEmpty else { print("Nothing to change: \(a.id.short()) already has those tags."); return }
        let pred = try remove.flatMap { tag in try reporting { try ctx.log.tagAdditions(a.id, tag: tag) } }
        try ctx.append([.tagsChanged(TagsChanged(annotation: a.id, add: newTags, remove: remove, pred: pred))])
        print("Tagged \(a.id.short())")
    }
}

/// Writes the deleted register of an annotation: `gloss delete` and `gloss restore`.
enum DeletedRegister {
    static func set(_ deleted: Bool, _ options: LedgerOptions, _ prefix: String) throws {
        let ctx = try Context(options)
        let a = try ctx.annotation(prefix)
        try ctx.requireMayChange(a)
        guard a.isDeleted != deleted else {
            throw CLIError(deleted ? "\(a.id.short()) is already deleted; `gloss restore \(a.id.short())` brings it back"
                                   : "\(a.id.short()) is not deleted; nothing to restore")
        }
        let change = StateChange(annotation: a.id, pred: try reporting { try ctx.log.heads(of: a.id, .deleted) })
        try ctx.append([deleted ? .annotationDeleted(change) : .annotationRestored(change)])
        print("\(deleted ? "Deleted" : "Restored") \(a.id.short())")
    }
}

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete an annotation (it stays in history; `gloss restore` brings it back).")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The annotation (a unique id prefix).") var annotation: String
    func run() throws { try DeletedRegister.set(true, options, annotation) }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore a deleted annotation.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The annotation (a unique id prefix).") var annotation: String
    func run() throws { try DeletedRegister.set(false, options, annotation) }
}

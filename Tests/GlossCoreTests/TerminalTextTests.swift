import GlossCore
import Testing

/// `TerminalText`: what would act on a terminal is shown as text, everything else kept.
@Suite struct TerminalTextTests {
    @Test func escapeSequencesBecomeVisibleText() {
        let s = "fine \u{1B}[2J\u{1B}]0;pwned\u{07} \u{1B}[31mRED"
        #expect(TerminalText.neutralised(s) == "fine \\x1b[2J\\x1b]0;pwned\\x07 \\x1b[31mRED")
    }

    @Test func c1ControlsAndBidiOverridesAreNamed() {
        #expect(TerminalText.neutralised("a\u{9B}31m b") == "aU+009B31m b")
        #expect(TerminalText.neutralised("\u{202E}evil\u{202C}") == "U+202EevilU+202C")
        for v: UInt32 in [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202D, 0x2066, 0x2067, 0x2068, 0x2069, 0x2028, 0x2029, 0x85] {
            let c = Character(Unicode.Scalar(v)!)
            #expect(!TerminalText.neutralised("x\(c)y").unicodeScalars.contains { $0.value == v }, "U+\(String(v, radix: 16)) passed")
        }
        #expect(TerminalText.neutralised("del\u{7F}") == "del\\x7f")
        #expect(TerminalText.neutralised("nul\u{0}") == "nul\\x00")
    }

    @Test func ordinaryTextIsUntouched() {
        let s = "Don’t look now — Putin’s “troops” in Kazakhstan 🇰🇿, régime, עברית, 中文\n\tindented"
        #expect(TerminalText.neutralised(s) == s)
    }

    @Test func oneLineEscapesNewlinesAndTabs() {
        #expect(TerminalText.neutralised("a\nb\tc\rd", oneLine: true) == "a\\nb\\tc\\rd")
        #expect(TerminalText.neutralised("a\nb\tc\rd") == "a\nb\tc\\rd", "a carriage return can overwrite a line: always escaped")
    }

    @Test func keepingColoursPassesSGROnly() {
        let ours = "\u{1B}[1;33m¹\u{1B}[0m note"
        #expect(TerminalText.keepingColours(ours) == ours)
        // Anything else that is not a colour is shown, even unescaped at the source.
        #expect(TerminalText.keepingColours("\u{1B}[2J\u{1B}]0;t\u{07}\u{1B}[H") == "\\x1b[2J\\x1b]0;t\\x07\\x1b[H")
        #expect(TerminalText.keepingColours("\u{1B}[31") == "\\x1b[31", "an unterminated sequence is text")
        #expect(TerminalText.keepingColours("x\u{202E}y") == "xU+202Ey")
    }

    @Test func aTagWithAControlCharacterIsNotAValidPayload() {
        for tag in ["t\u{1B}[2J", "t\u{9B}", "t\u{7}"] {
            let p = Payload.annotationCreated(AnnotationCreated(article: .zero, target: .reply(to: .zero), motivation: "replying", body: "b", tags: [tag]))
            #expect(throws: DecodeError.self, "tag \(tag.debugDescription) was accepted") { try p.encoded() }
        }
        let fine = Payload.annotationCreated(AnnotationCreated(article: .zero, target: .reply(to: .zero), motivation: "replying", body: "b", tags: ["fine"]))
        #expect(throws: Never.self) { try fine.encoded() }
    }
}

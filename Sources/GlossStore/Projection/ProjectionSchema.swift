/// The tables of the projection: the ledger's current state (Protocol/MERGE.md) kept in SQLite
/// and updated in the same transaction as every append, so a command reads only the rows it
/// prints. A cache of the log, never a source of truth: its layout belongs to `format`, and a
/// projection of another format is dropped and rebuilt from the log (see Projection+Status).
/// The event log's own tables are in `Schema`, whose migrations are never edited.
enum ProjectionSchema {
    /// Changes whenever a table below or a rule of the projector changes: every ledger then
    /// rebuilds its projection from the log on its next open.
    static let format: Int64 = 8

    static let tables = [
        "projection", "p_articles", "p_adders", "p_revisions", "p_annotations", "p_writes", "p_replaced",
        "p_tags", "p_untagged", "p_history", "p_ineffective", "p_search", "p_search_dirty", "p_tips", "p_anchors",
    ]

    static let create = """
        CREATE TABLE projection(
            only   INTEGER PRIMARY KEY CHECK (only = 1),
            format INTEGER NOT NULL,
            upto   INTEGER NOT NULL,   -- the log's rows 1…upto are applied
            last_id BLOB,              -- the id of the event at row upto (NULL when upto = 0)
            events INTEGER NOT NULL    -- how many events that is
        );
        -- Articles: the first article.added of a text in the total order names it (§3).
        CREATE TABLE p_articles(
            id        BLOB PRIMARY KEY,
            lamport   INTEGER NOT NULL, author BLOB NOT NULL, event BLOB NOT NULL, time INTEGER NOT NULL,
            title     TEXT NOT NULL, source TEXT NOT NULL,
            original_row    INTEGER NOT NULL,  -- an article.added event: its text is the original
            original_length INTEGER NOT NULL,  -- code points of the original text
            revision_row    INTEGER,           -- the winning effective revision, NULL when not revised
            length    INTEGER NOT NULL,        -- code points of the current text
            revised   BLOB                     -- SHA-256 of the current text when revised
        ) WITHOUT ROWID;
        -- The identities (MERGE.md §18) of everyone who added the text.
        CREATE TABLE p_adders(article BLOB NOT NULL, author BLOB NOT NULL, PRIMARY KEY (article, author)) WITHOUT ROWID;
        -- Every article.revised of a present article; it counts while its author is an adder (§3.1).
        CREATE TABLE p_revisions(
            event BLOB PRIMARY KEY, article BLOB NOT NULL, row INTEGER NOT NULL,
            lamport INTEGER NOT NULL, author BLOB NOT NULL, time INTEGER NOT NULL,
            identity BLOB NOT NULL,            -- the identity the author writes for (§18)
            pred BLOB NOT NULL                 -- the ids it replaces, 32 bytes each
        ) WITHOUT ROWID;
        CREATE INDEX p_revisions_article ON p_revisions(article);
        -- Effective annotations (§4) with their registers' winners cached.
        CREATE TABLE p_annotations(
            n       INTEGER PRIMARY KEY,       -- also the row of p_search
            id      BLOB NOT NULL UNIQUE,
            row     INTEGER NOT NULL,          -- the creation event's row in the log
            article BLOB NOT NULL,
            lamport INTEGER NOT NULL, author BLOB NOT NULL, created INTEGER NOT NULL,
            parent  BLOB,                      -- a reply's parent
            exact TEXT, prefix TEXT, suffix TEXT, start INTEGER, "end" INTEGER,  -- a passage's selector
            editors BLOB NOT NULL,             -- 32 bytes each
            motivation TEXT NOT NULL, motivation_live INTEGER NOT NULL,
            body    TEXT NOT NULL, body_live INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            reanchored BLOB,                   -- the winning re-anchored selector (stored form)
            tags    TEXT NOT NULL,             -- the tags present, by bytes, joined by newlines
            replies INTEGER NOT NULL,          -- how many
            mod_lamport INTEGER NOT NULL, mod_author BLOB NOT NULL, mod_event BLOB NOT NULL, modified INTEGER NOT NULL,
            identity BLOB NOT NULL,            -- the identity the creation's author writes for (§18)
            -- An erased annotation (§19): the erasure's stamp; body, selector, tags are empty.
            erased_event BLOB, erased_lamport INTEGER, erased_author BLOB, erased_time INTEGER
        );
        CREATE INDEX p_annotations_order ON p_annotations(lamport, author, id);
        CREATE INDEX p_annotations_article ON p_annotations(article, lamport, author, id);
        CREATE INDEX p_annotations_parent ON p_annotations(parent, lamport, author, id) WHERE parent IS NOT NULL;
        -- Register writes (reg 0 body, 1 motivation, 2 deleted, 3 re-anchored selector) and the
        -- ids their writes replaced (§5).
        CREATE TABLE p_writes(
            annotation INTEGER NOT NULL, reg INTEGER NOT NULL, event BLOB NOT NULL,
            lamport INTEGER NOT NULL, author BLOB NOT NULL, time INTEGER NOT NULL,
            value, live INTEGER NOT NULL,
            PRIMARY KEY (annotation, reg, event)
        ) WITHOUT ROWID;
        CREATE TABLE p_replaced(annotation INTEGER NOT NULL, reg INTEGER NOT NULL, event BLOB NOT NULL,
            PRIMARY KEY (annotation, reg, event)) WITHOUT ROWID;
        -- The tag set (§6): additions present, and removal pairs (tombstones).
        CREATE TABLE p_tags(annotation INTEGER NOT NULL, tag TEXT NOT NULL, event BLOB NOT NULL,
            PRIMARY KEY (annotation, tag, event)) WITHOUT ROWID;
        CREATE INDEX p_tags_tag ON p_tags(tag, annotation);
        CREATE TABLE p_untagged(annotation INTEGER NOT NULL, tag TEXT NOT NULL, event BLOB NOT NULL,
            PRIMARY KEY (annotation, tag, event)) WITHOUT ROWID;
        -- History (§7): the creation and every effective change, in the total order.
        CREATE TABLE p_history(annotation INTEGER NOT NULL, lamport INTEGER NOT NULL, author BLOB NOT NULL,
            event BLOB NOT NULL, time INTEGER NOT NULL, row INTEGER NOT NULL,
            PRIMARY KEY (annotation, lamport, author, event)) WITHOUT ROWID;
        -- Events with no effect: rejected (waiting = 0; target = the annotation a change names)
        -- or waiting for their target to arrive (waiting = 1; §8).
        CREATE TABLE p_ineffective(row INTEGER PRIMARY KEY, target BLOB, waiting INTEGER NOT NULL, reason TEXT NOT NULL);
        CREATE INDEX p_ineffective_target ON p_ineffective(target, waiting) WHERE target IS NOT NULL;
        -- Where each passage annotation of a revised article sits in its current text (MERGE.md
        -- §17), filled when an article is first read after a change (anchoring can cost up to
        -- 20M steps an annotation, too much for every ingest) and dropped, in the transaction of
        -- the event, when the article's text or the annotation's selector in force changes.
        -- `text`: SHA-256 of the text it was computed on; lo NULL: an orphan, whose suggestion
        -- (§17.5), when it has one, is code points s_lo…s_hi, `alike` of `quote` characters and
        -- `context` of `context_of`.
        CREATE TABLE p_anchors(annotation INTEGER PRIMARY KEY, text BLOB NOT NULL, lo INTEGER, hi INTEGER, stage TEXT,
            s_lo INTEGER, s_hi INTEGER, alike INTEGER, quote INTEGER, context INTEGER, context_of INTEGER);
        -- Each author's newest event: the ledger's frontier (MERGE.md §13.1), read by sync and bundles.
        CREATE TABLE p_tips(author BLOB PRIMARY KEY, seq INTEGER NOT NULL, id BLOB NOT NULL) WITHOUT ROWID;
        -- Full-text search over quotes, comments and tags; rowid = p_annotations.n.
        CREATE VIRTUAL TABLE p_search USING fts5(quote, comment, tags, tokenize = 'unicode61 remove_diacritics 2');
        -- Annotations changed since their full-text rows were written: rewritten before a search.
        CREATE TABLE p_search_dirty(n INTEGER PRIMARY KEY);
        """
}

import GlossCore

"""Cross-appointments (双向进入、交叉任职): people and their posts in the party
branch committee, the owners' committee, the project office and the residents' committee."""

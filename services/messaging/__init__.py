"""Smart Case Messaging (issue 4)."""

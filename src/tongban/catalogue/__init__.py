"""Matter catalogue (事项目录): versioned definitions of what the government offers."""

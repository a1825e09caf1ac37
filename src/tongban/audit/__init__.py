"""Audit of access to applicants' personal data (个人信息访问审计)."""

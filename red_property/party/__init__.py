"""Party organisation in the communities a company manages (小区党组织)."""

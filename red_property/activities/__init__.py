"""Party activities and service: 主题党日, 三会一课, volunteering, 双报到, service hours, 负面行为."""

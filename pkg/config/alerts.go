package config

import (
	"fmt"
	"regexp"
)

// Alerts is where a stack's alarms go (global-sovereign:alerts).
type Alerts struct {
	// Emails subscribe to the stack's alerts topic; each confirms the email AWS sends before
	// alarms reach it. A production region stack needs at least one: its alarms (VPN tunnels,
	// node CPU, database replication) would otherwise go to a topic nobody reads.
	Emails []string `json:"emails,omitempty"`
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func (s *Stack) validateAlerts(is *issues) {
	if s.IsRegion() && s.Settings.Environment == EnvProduction && len(s.Alerts.Emails) == 0 {
		is.add(keyPath(KeyAlerts, "emails"), "a production stack needs at least one subscriber: its alarms "+
			"(VPN tunnels, node CPU, database replication) would go to a topic nobody reads; "+
			"list the on-call address(es), e.g. [platform-oncall@yourcompany.com]")
	}
	for i, e := range s.Alerts.Emails {
		if !emailRE.MatchString(e) {
			is.add(fmt.Sprintf("%s[%d]", keyPath(KeyAlerts, "emails"), i), "%q is not an email address", e)
		}
	}
}

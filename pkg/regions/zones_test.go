package regions

import (
	"slices"
	"strings"
	"testing"
)

// Every known region has zones: 2 or 3 distinct names of the region, and a copy region that is
// known and not the region itself.
func TestEveryRegionHasZones(t *testing.T) {
	for _, name := range Names() {
		z, ok := ZonesOf(name)
		if !ok {
			t.Errorf("%s: no zones", name)
			continue
		}
		if len(z.AZs) < 2 || len(z.AZs) > 3 {
			t.Errorf("%s: %d AZs %v", name, len(z.AZs), z.AZs)
		}
		for i, az := range z.AZs {
			letter := strings.TrimPrefix(az, name)
			if len(letter) != 1 || letter[0] < 'a' || letter[0] > 'f' || slices.Index(z.AZs, az) != i {
				t.Errorf("%s: AZ %q", name, az)
			}
		}
		if len(z.AZs) < 3 && z.Note == "" {
			t.Errorf("%s: fewer than 3 AZs without a note saying why", name)
		}
		if z.CopyRegion == name {
			t.Errorf("%s: copies backups to itself", name)
		} else if _, known := Lookup(z.CopyRegion); z.CopyRegion != "" && !known {
			t.Errorf("%s: unknown copy region %q", name, z.CopyRegion)
		}
	}
	for name := range zoneTable {
		if _, ok := Lookup(name); !ok {
			t.Errorf("zones of %s, which is not a known region", name)
		}
	}
	if _, ok := ZonesOf("us-east-9"); ok {
		t.Errorf("zones of an unknown region")
	}
}

// A caller may change the list it gets without changing the table.
func TestZonesOfCopies(t *testing.T) {
	z, _ := ZonesOf("eu-west-1")
	z.AZs[0] = "x"
	if again, _ := ZonesOf("eu-west-1"); again.AZs[0] != "eu-west-1a" {
		t.Errorf("the table changed: %v", again.AZs)
	}
}

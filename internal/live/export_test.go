package live

// SetFullReloadAfter sets the replay threshold and returns the old one.
func SetFullReloadAfter(n int) int {
	old := fullReloadAfter
	fullReloadAfter = n
	return old
}

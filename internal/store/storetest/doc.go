// Package storetest is the conformance suite every rbac.Store backend must
// pass: call Run from a backend's tests with a factory of fresh, migrated stores.
package storetest

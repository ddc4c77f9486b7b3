package gormstore

import "database/sql"

// DB returns the connection pool under the store, for its statistics
// (sql.DB.Stats, exported as metrics); nil if GORM holds no *sql.DB. Callers
// must not close it or run statements through it: the store owns both.
func (s *Store) DB() *sql.DB {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil
	}
	return sqlDB
}

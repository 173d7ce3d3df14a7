package uploads

// Inspect exposes the checks Store makes before scanning and storing, for
// the fuzz test.
func (s *Service) Inspect(u Upload) (File, error) {
	f, _, err := s.inspect(u)
	return f, err
}

// BlobKey is where f's content is in the bucket.
func BlobKey(f File) string { return f.key }

// ContentDisposition exposes the download header for its test.
var ContentDisposition = contentDisposition
